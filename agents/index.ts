import type { AgentDefinition } from './agent.js';
import { executorAgent } from './executor.js';
import { healerAgent } from './healer.js';
import { healthAgent } from './health.js';
import { opsAgent } from './ops.js';
import { reporterAgent } from './reporter.js';
import { riskAgent } from './risk.js';
import { scannerAgent } from './scanner.js';
// fleetbot new agent: imports go above this line.

/**
 * The agents: BullMQ workers and watchers, each startable alone (`fleetbot agent <name>`) or together (`fleetbot up`).
 * Their contract is agents/agent.ts; their common base (heartbeat, queue worker, start and stop) agents/worker-agent.ts.
 */
export const AGENTS: readonly AgentDefinition[] = [
  opsAgent,
  healthAgent,
  healerAgent,
  scannerAgent,
  riskAgent,
  executorAgent,
  reporterAgent,
  // fleetbot new agent: agents go above this line.
];
