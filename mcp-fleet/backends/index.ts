import type { Readable, Writable } from 'node:stream';

/** What runs the fleet: local processes or Docker containers, behind one interface. */

type RunState = 'running' | 'stopped' | 'exited';

export interface MemberState {
  name: string;
  state: RunState;
  pid?: number;
  /** Epoch ms of the current run's start. */
  startedAt?: number;
  /** Restarts since fleetbot started watching (manual and automatic). */
  restarts: number;
  /** How the last run ended, if it has. */
  lastExit?: {
    code: number | null;
    signal: string | null;
    at: number;
    error?: string;
    /** How long that run had lasted. */
    ranMs?: number;
    /** The engine killed it for exceeding its memory limit (Docker's OOMKilled). */
    oomKilled?: boolean;
  };
  /** The member's own health check (a container HEALTHCHECK), when it has one: it decides over MCP ping. */
  check?: HealthCheck;
}

export interface HealthCheck {
  /** As the check's owner reports it, its thresholds (retries, start period) already applied. */
  status: 'starting' | 'healthy' | 'unhealthy';
  /** Consecutive failed checks. */
  failures: number;
  /** What the last failed check said. */
  reason?: string;
}

export type FleetEvent =
  | { type: 'started'; member: string; at: number }
  | { type: 'died'; member: string; at: number; code: number | null; signal: string | null; expected: boolean; error?: string }
  | { type: 'healthy' | 'unhealthy'; member: string; at: number; reason?: string };

/** How to reach a member's MCP server; `instance` changes with every run, so a session never outlives its process. */
export type McpEndpoint = { instance: string } & (
  | { transport: 'http'; url: string }
  | { transport: 'stdio'; input: Writable; output: Readable }
);

/** Lines read above a log tail so that a multi-line secret starting there (a 4096-bit RSA key: 51) is recognised. */
export const SECRET_CONTEXT_LINES = 64;

export interface LogOptions {
  tail: number;
  since?: Date;
}

export interface FleetBackend {
  list(): Promise<MemberState[]>;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  /** Timestamped lines, oldest first, redacted before they were stamped (multi-line secrets included). */
  logs(name: string, opts: LogOptions): Promise<string[]>;
  /** started, died (exit code), healthy, unhealthy — each call gets its own stream, ended by close(). */
  events(): AsyncIterable<FleetEvent>;
  /** Where the member's MCP server answers now; undefined while it is not running. */
  endpoint(name: string): McpEndpoint | undefined;
  /** Starts every member in dependency order. */
  startAll(): Promise<void>;
  /** Stops what this backend started and ends the event streams. */
  close(): Promise<void>;
}
