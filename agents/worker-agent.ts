import type { RedisHub } from '../redis/hub.js';
import { startWorker, type Handlers, type JobSpec, type QueueSpec, type WorkerOptions } from '../queues/typed-queue.js';
import { startHeartbeat } from './heartbeat.js';
import type { RunningAgent } from './index.js';

/** An agent that is one queue's worker: its heartbeat counts the jobs, and stopping it closes both. */
export function workerAgent<J extends Record<string, JobSpec>>(
  name: string,
  hub: RedisHub,
  spec: QueueSpec<J>,
  handlers: Handlers<J>,
  options: WorkerOptions,
): RunningAgent {
  const heartbeat = startHeartbeat(hub, name);
  const worker = startWorker(spec, hub, handlers, options);
  worker.on('completed', () => heartbeat.count('done'));
  worker.on('failed', () => heartbeat.count('failed'));
  return {
    ready: worker.waitUntilReady().then(() => undefined),
    async stop() {
      await worker.close();
      await heartbeat.stop();
    },
  };
}
