import { riskQueue } from '../queues/defi.js';
import { openEngine } from './defi-engine.js';
import { answers, defineAgent } from './worker-agent.js';

/**
 * The risk agent answers "may this opportunity run now?": it quotes the cycle again at the latest block, simulates
 * it, and checks the configured limits (minimum profit, pool share, gas price, token caps).
 * Side effects: JSON-RPC reads.
 */

export const riskAgent = defineAgent({
  name: 'risk',
  description: 'checks an opportunity against the limits at the latest block',
  work: ({ log, defi }) => ({
    queue: answers(
      riskQueue,
      {
        async check({ id }) {
          const quoted = await (await openEngine(defi)).requote(id);
          if (!quoted.ok) return { ok: false, reasons: [quoted.reason] };
          return { ...quoted.opportunity.risk, opportunity: quoted.opportunity };
        },
      },
      { concurrency: 4, log },
    ),
  }),
});
