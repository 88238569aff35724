import type { Member } from '../config/manifest.js';
import type { DefiRuntime } from '../defi/runtime.js';
import type { FleetBackend } from '../mcp-fleet/backends/index.js';
import type { McpPool } from '../mcp-fleet/pool.js';
import type { NotifyClient } from '../queues/notify.js';
import type { AgentControl } from '../queues/agent-control.js';
import type { OpsClient } from '../queues/ops.js';
import type { RedisHub } from '../redis/hub.js';
import type { AuditLog } from '../security/audit.js';
import type { HealthStore } from '../state/health.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * The agent contract: what an agent receives and what it gives back. Agents import this file; only the registry
 * (agents/index.ts) imports the agents.
 */

/** The fleet as seen by the process that runs it. */
export interface FleetHost {
  members: Member[];
  backend: FleetBackend;
  pool: McpPool;
}

export interface AgentDeps {
  hub: RedisHub;
  log: Logger;
  members: Member[];
  /** Present in the process that runs the fleet; agents that declare `needsFleet` get it. */
  fleet?: FleetHost;
  health: HealthStore;
  notify: NotifyClient;
  ops: OpsClient;
  /** Restarts of agents, in whichever process runs them (the healer's, for a hung agent). */
  control: AgentControl;
  audit: AuditLog;
  /** The DeFi engine, shared by the agents of this process. */
  defi: DefiRuntime;
  /** Aborts when this process begins to stop: no new healing, no new probes (a member stopping is not a failure). */
  stopping?: AbortSignal;
}

export interface RunningAgent {
  /** Resolves when the agent has done its first round of work (e.g. the first health check of every member). */
  ready: Promise<void>;
  /**
   * Ends it within its bound. `restarting`: a fresh copy follows in this process at once, under the same heartbeat
   * instance — the entry stays until the copy's first beat replaces it, so watchers see no gap.
   */
  stop(how?: { restarting?: boolean }): Promise<void>;
}

export interface AgentDefinition {
  name: string;
  description: string;
  /** Runs against the fleet's processes and MCP sessions, so it must live where the fleet runs. */
  needsFleet: boolean;
  start(deps: AgentDeps): RunningAgent;
}

/** The fleet, for an agent that declared it needs it. */
export function fleetOf(deps: AgentDeps): FleetHost {
  if (!deps.fleet) throw new Error('this agent runs the fleet: start it where the fleet runs (fleetbot up or fleetbot agent)');
  return deps.fleet;
}
