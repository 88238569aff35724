import type { FleetBackend } from '../mcp-fleet/backends/index.js';
import type { HealthStore } from '../mcp-fleet/health.js';
import type { Member } from '../mcp-fleet/manifest.js';
import type { McpPool } from '../mcp-fleet/pool.js';
import type { RedisHub } from '../queues/connection.js';
import type { NotifyClient } from '../queues/notify.js';
import type { Logger } from '../telemetry/logger.js';
import type { DefiRuntime } from './defi-runtime.js';
import { executorAgent } from './executor.js';
import { healthAgent } from './health.js';
import { opsAgent } from './ops.js';
import { reporterAgent } from './reporter.js';
import { riskAgent } from './risk.js';
import { scannerAgent } from './scanner.js';

/** The agents: BullMQ workers and watchers, each startable alone (`fleetbot agent <name>`) or together (`fleetbot up`). */

/** The fleet as seen by the process that runs it. */
export interface FleetHost {
  members: Member[];
  backend: FleetBackend;
  pool: McpPool;
}

export interface AgentDeps {
  hub: RedisHub;
  log: Logger;
  fleet: FleetHost;
  health: HealthStore;
  notify: NotifyClient;
  /** The DeFi engine, shared by the agents of this process. */
  defi: DefiRuntime;
}

export interface RunningAgent {
  /** Resolves when the agent has done its first round of work (e.g. the first health check of every member). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export interface AgentDefinition {
  name: string;
  description: string;
  start(deps: AgentDeps): RunningAgent;
}

export const AGENTS: readonly AgentDefinition[] = [opsAgent, healthAgent, scannerAgent, riskAgent, executorAgent, reporterAgent];
