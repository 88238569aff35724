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
  /** On a backend that runs replicas (swarm): how many run, how many should, and each task. */
  replicas?: Replicas;
}

export interface Replicas {
  desired: number;
  running: number;
  tasks: TaskState[];
}

/** One task of a replicated member, as the engine reports it. */
export interface TaskState {
  id: string;
  slot?: number;
  /** The node's host name and id, e.g. `vm (5nfw0fud8z69)`: host names need not be unique. */
  node: string;
  nodeId: string;
  /** The engine's task state: new, pending, assigned, preparing, starting, running, complete, failed, shutdown, rejected… */
  state: string;
  desired: string;
  /** Epoch ms of the last state change. */
  since: number;
  /** Why the engine cannot run it (no such image, no node satisfies the placement), or how it failed. */
  error?: string;
  exitCode?: number;
}

export interface NodeState {
  id: string;
  hostname: string;
  address: string;
  role: 'manager' | 'worker';
  state: string;
  availability: 'active' | 'pause' | 'drain';
  leader: boolean;
  /** Running tasks of this fleet on the node. */
  tasks: number;
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
  | { type: 'started'; member: string; at: number; task?: TaskRef }
  | { type: 'died'; member: string; at: number; code: number | null; signal: string | null; expected: boolean; error?: string; task?: TaskRef }
  | { type: 'healthy' | 'unhealthy'; member: string; at: number; reason?: string };

/** Which replica an event is about, on a backend that runs replicas. */
export interface TaskRef {
  id: string;
  slot?: number;
  node: string;
}

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
  /** fleetbot is stopping: from now on nothing is started or restarted, and a member that exits is expected to. */
  quiesce(): void;
  /** Stops what this backend started (dependents first) and ends the event streams. */
  close(): Promise<void>;
}

/** A backend that runs members as replicated services over several nodes (Docker Swarm). */
export interface ClusterBackend extends FleetBackend {
  readonly cluster: true;
  /** Every replica's MCP endpoint now (running tasks only); `instance` is the task. */
  endpoints(name: string): McpEndpoint[];
  scale(name: string, replicas: number): Promise<void>;
  nodes(): Promise<NodeState[]>;
  /** `node` is an id, a host name or an address; availability as `docker node update --availability`. */
  setAvailability(node: string, availability: NodeState['availability']): Promise<NodeState>;
  /** Replaces one task (a replica that hangs): the engine starts a new one in its place. */
  replaceTask(name: string, taskId: string): Promise<void>;
}

/**
 * The engine a cluster backend talks to does not answer (its socket gone, the manager down): what every call says
 * meanwhile, in one line, so that /status answers it and the replicas agent alerts on it once.
 */
export class ClusterUnreachableError extends Error {
  constructor(
    readonly where: string,
    readonly since: number,
    readonly reason: string,
  ) {
    super(`the swarm manager at ${where} does not answer since ${new Date(since).toISOString().slice(11, 19)} UTC (${reason})`);
  }
}

export function isCluster(backend: FleetBackend): backend is ClusterBackend {
  return (backend as Partial<ClusterBackend>).cluster === true;
}
