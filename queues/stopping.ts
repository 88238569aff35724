import type { Worker } from 'bullmq';
import type { RedisHub } from '../redis/hub.js';

/**
 * How a worker (an agent's, the notifier's) stops within bounds, Redis up or down: jobs in hand get a grace period to finish; past it — or at once
 * when Redis does not answer, since nothing could be recorded anyway — the worker is closed by force. A job still in
 * hand then keeps its lock until it runs out, and another worker takes it over (handed back, not lost).
 */

/** How long jobs in hand may take to finish when fleetbot stops. */
export const JOB_GRACE_MS = 4000;

/** Resolves true when `work` settled within `ms`, false when it did not (it is left to finish or not on its own). */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
}

export async function closeWorker(worker: Worker, hub: RedisHub, graceMs = JOB_GRACE_MS): Promise<void> {
  // Stopping: a refused connection now is expected, not an error worth a line a retry.
  worker.removeAllListeners('error').on('error', () => {});
  if (hub.reachable() && (await hub.whileReachable(worker.close(), graceMs))) return;
  // BullMQ remembers the first close: a forced one after a gentle one would wait on the same promise.
  if (!worker.closing) void worker.close(true).catch(() => {});
  // Its connections end with the hub; waiting here on a Redis that is gone would only spend the grace period.
  await within(worker.disconnect(), 250);
}

