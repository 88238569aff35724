import { UnrecoverableError } from 'bullmq';
import { describeOpportunity } from '../defi/describe.js';
import { execute } from '../defi/executor.js';
import { executeQueue } from '../queues/defi.js';
import { countDefi } from '../state/defi-scan.js';
import { openEngine } from './defi-engine.js';
import { answers, defineAgent } from './worker-agent.js';

/**
 * The executor runs an opportunity on chain — only with EXECUTOR_KEY and EXECUTOR_CONTRACT set (off by default),
 * only after a fresh quote, the risk check and a simulation pass, and only with the configured key. Every outcome
 * goes to the findings channel. Side effects: sends transactions; notify jobs.
 */

const OFF = 'execution is off: set EXECUTOR_KEY and EXECUTOR_CONTRACT (a FlashArbitrage deployed by that key) to enable it';

export const executorAgent = defineAgent({
  name: 'executor',
  description: 'runs approved opportunities with the configured key (off by default)',
  work: ({ hub, log, notify, defi }) => ({
    queue: answers(
      executeQueue,
      {
        async run({ id, requestedBy }) {
          const settings = defi.config.executor;
          if (!settings) throw new UnrecoverableError(OFF);
          const outcome = await execute(await openEngine(defi), settings, id);
          log.info('execution', { id, requestedBy, ok: outcome.ok, refused: outcome.ok ? undefined : outcome.refused });
          if (outcome.opportunity) {
            await notify.add('finding', {
              type: 'execution',
              opportunity: outcome.opportunity,
              ok: outcome.ok,
              detail: outcome.ok ? `${describeOpportunity(outcome.opportunity)} — executed in block ${outcome.block}` : `refused: ${outcome.refused}`,
              txHash: outcome.ok ? outcome.txHash : undefined,
              at: Date.now(),
            });
          }
          if (outcome.ok) await countDefi(hub, 'executed');
          return outcome.ok
            ? { ok: true, txHash: outcome.txHash, block: outcome.block, profit: String(outcome.profit), gasUsed: String(outcome.gasUsed), opportunity: outcome.opportunity }
            : { ok: false, refused: outcome.refused, opportunity: outcome.opportunity };
        },
      },
      // One transaction at a time: the account's nonce and balance are shared.
      { concurrency: 1, log },
    ),
  }),
});
