import type { Member } from '../config/manifest.js';
import type { AgentControl } from '../queues/agent-control.js';
import type { DefiClient, ExecuteClient, RiskClient } from '../queues/defi.js';
import type { AuditEntry } from '../security/audit.js';
import type { MemberStatus } from '../state/fleet-status.js';
import type { HealStatus } from '../state/heal-state.js';
import type { AgentInfo } from '../state/heartbeats.js';
import type { Silence } from '../state/silences.js';
import type { SeriesName } from '../telemetry/history.js';

/**
 * The services a command's context offers (CommandContext, in index.ts, holds them), declared here by the commands
 * that use them: the bot wires implementations in, and nothing here knows which transport asked.
 */

export interface FleetDirectory {
  members: readonly Member[];
  /** The member by name, or an OpsError that names the closest match and the valid choices. */
  member(name: string): Member;
}

export interface DefiClients {
  scanner: DefiClient;
  risk: RiskClient;
  execute: ExecuteClient;
}

export interface Silences {
  silence(member: string, durationMs: number, by: string): Promise<Silence>;
  unsilence(member: string): Promise<boolean>;
  list(): Promise<Silence[]>;
}

export interface HealerControl {
  status(members: string[], windowMs: (member: string) => number): Promise<HealStatus[]>;
  pause(member: string, by: string): Promise<void>;
  /** Back under care with a fresh budget; false if it was not paused. */
  resume(member: string): Promise<boolean>;
}

/** Restarts of the agents fleetbot's processes run, each in the process that runs it. */
export type AgentRestarts = Pick<AgentControl, 'restart'>;

export interface QueueView {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Jobs finished in the last full minute, as BullMQ's own metrics count them. */
  completedPerMinute: number;
  failedPerMinute: number;
}

/** The fleet's figures at one moment: what the dashboard, /metrics and the gauges show. */
export interface Snapshot {
  at: number;
  members: MemberStatus[];
  /** When the health agent last wrote the member status; undefined if it never has. */
  statusAt?: number;
  queues: QueueView[];
  findings: { block: number; at: number; scanMs: number; lines: { id: string; text: string }[] } | null;
  healing: AuditEntry[];
  audit: AuditEntry[];
  agents: AgentInfo[];
}

export interface ChartImage {
  png: Buffer;
  filename: string;
  width: number;
  height: number;
  samples: number;
}

export interface Telemetry {
  snapshot(): Promise<Snapshot>;
  chart(series: SeriesName, rangeMs: number): ChartImage;
}
