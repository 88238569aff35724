import { UnrecoverableError } from 'bullmq';
import { riskQueue } from '../queues/defi.js';
import { startWorker } from '../queues/typed-queue.js';
import { startHeartbeat } from './heartbeat.js';
import type { AgentDefinition } from './index.js';

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
    const heartbeat = startHeartbeat(hub, 'risk');
    const worker = startWorker(
      riskQueue,
      hub,
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
    worker.on('completed', () => heartbeat.count('done'));
    worker.on('failed', () => heartbeat.count('failed'));
    return {
      ready: worker.waitUntilReady().then(() => undefined),
      async stop() {
        await worker.close();
        await heartbeat.stop();
      },
    };
  },
};
