import { UnrecoverableError } from 'bullmq';
import { riskQueue } from '../queues/defi.js';
import type { AgentDefinition } from './index.js';
import { workerAgent } from './worker-agent.js';

/**
 * The risk agent answers "may this opportunity run now?": it quotes the cycle again at the latest block, simulates
 * it, and checks the configured limits (minimum profit, pool share, gas price, token caps).
 * Side effects: JSON-RPC reads.
 */

export const riskAgent: AgentDefinition = {
  name: 'risk',
  description: 'checks an opportunity against the limits at the latest block',
  needsFleet: false,
  start({ hub, log, defi }) {
    return workerAgent(
      'risk',
      hub,
      riskQueue,
      {
        async check({ id }) {
          const engine = await defi.engine().catch((error: Error) => {
            throw new UnrecoverableError(error.message);
          });
          const quoted = await engine.requote(id);
          if (!quoted.ok) return { ok: false, reasons: [quoted.reason] };
          return { ...quoted.opportunity.risk, opportunity: quoted.opportunity };
        },
      },
      { concurrency: 4, log },
    );
  },
};
