import { z } from 'zod';
import { QUEUE_NAMES, type QueueName } from '../../queues/all.js';
import { redisServer, tool, toolError, toolResult } from './server.js';

/**
 * The `task-queue` MCP server: fleetbot's BullMQ queues — counts, failed jobs, and retrying one.
 * Side effects: reads Redis; `retry_job` moves a failed job back to waiting.
 */

const QueueNameSchema = z.enum(QUEUE_NAMES).describe(`One of fleetbot's queues: ${QUEUE_NAMES.join(', ')}`);

export default redisServer({
  name: 'task-queue',
  description: "fleetbot's job queues: counts, failed jobs, retry",
  tools(hub, onClose) {
    const queues = new Map(QUEUE_NAMES.map((name) => [name, hub.queue(name)]));
    onClose(async () => void (await Promise.all([...queues.values()].map((q) => q.close()))));
    const queue = (name: QueueName) => queues.get(name)!;
    return {
      queue_counts: tool({
        description: 'Waiting, active, delayed, completed and failed jobs of every queue',
        async run() {
          const counts = Object.fromEntries(
            await Promise.all(QUEUE_NAMES.map(async (name) => [name, await queue(name).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed')] as const)),
          );
          const text = Object.entries(counts).map(([name, c]) => `${name}: ${Object.entries(c).map(([k, v]) => `${v} ${k}`).join(', ')}`);
          return toolResult(text.join('\n'), { counts });
        },
      }),
      failed_jobs: tool({
        description: 'The most recent failed jobs of a queue, with why they failed',
        input: { queue: QueueNameSchema, limit: z.number().int().min(1).max(100).default(10).describe('How many jobs (1-100)') },
        async run({ queue: name, limit }) {
          const jobs = await queue(name).getFailed(0, limit - 1);
          const rows = jobs.map((j) => ({ id: j.id, name: j.name, reason: j.failedReason, attempts: j.attemptsMade, failedAt: j.finishedOn }));
          const text = rows.map((r) => `#${r.id} ${r.name}: ${r.reason} (${r.attempts} attempts)`);
          return toolResult(text.join('\n') || `no failed jobs on ${name}`, { jobs: rows });
        },
      }),
      retry_job: tool({
        description: 'Move a failed job back to the queue so it runs again',
        input: { queue: QueueNameSchema, id: z.string().min(1).max(64).describe('The job id, as failed_jobs lists it') },
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
        async run({ queue: name, id }) {
          const job = await queue(name).getJob(id);
          if (!job) return toolError(`no job ${id.slice(0, 64)} on ${name}`);
          if (!(await job.isFailed())) return toolError(`job ${id} on ${name} has not failed; only failed jobs can be retried`);
          await job.retry('failed');
          return toolResult(`job ${id} (${job.name}) on ${name} is queued again`, { id, queue: name });
        },
      }),
    };
  },
});
