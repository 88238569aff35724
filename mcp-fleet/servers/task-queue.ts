import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RedisHub } from '../../redis/hub.js';
import { QUEUE_NAMES } from '../../queues/all.js';
import { guarded, toolError, toolResult, type ServerDefinition } from './index.js';

/**
 * The `task-queue` MCP server: fleetbot's BullMQ queues — counts, failed jobs, and retrying one.
 * Side effects: reads Redis; `retry_job` moves a failed job back to waiting.
 */

const QueueName = z.enum(QUEUE_NAMES).describe(`One of fleetbot's queues: ${QUEUE_NAMES.join(', ')}`);

export default {
  name: 'task-queue',
  description: "fleetbot's job queues: counts, failed jobs, retry",
  async open(config) {
    if (!config.redis.url) throw new Error('the task-queue server needs REDIS_URL');
    const hub = new RedisHub(config.redis.url, config.redis.prefix);
    const queues = new Map(QUEUE_NAMES.map((name) => [name, hub.queue(name)]));
    const queue = (name: (typeof QUEUE_NAMES)[number]) => queues.get(name)!;
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-task-queue', version: '0.1.0' });
        server.registerTool(
          'queue_counts',
          { description: 'Waiting, active, delayed, completed and failed jobs of every queue', annotations: { readOnlyHint: true } },
          () => guarded(async () => {
            const counts = Object.fromEntries(
              await Promise.all(QUEUE_NAMES.map(async (name) => [name, await queue(name).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed')] as const)),
            );
            const text = Object.entries(counts).map(([name, c]) => `${name}: ${Object.entries(c).map(([k, v]) => `${v} ${k}`).join(', ')}`);
            return toolResult(text.join('\n'), { counts });
          }),
        );
        server.registerTool(
          'failed_jobs',
          {
            description: 'The most recent failed jobs of a queue, with why they failed',
            inputSchema: { queue: QueueName, limit: z.number().int().min(1).max(100).default(10).describe('How many jobs (1-100)') },
            annotations: { readOnlyHint: true },
          },
          ({ queue: name, limit }) => guarded(async () => {
            const jobs = await queue(name).getFailed(0, limit - 1);
            const rows = jobs.map((j) => ({ id: j.id, name: j.name, reason: j.failedReason, attempts: j.attemptsMade, failedAt: j.finishedOn }));
            const text = rows.map((r) => `#${r.id} ${r.name}: ${r.reason} (${r.attempts} attempts)`);
            return toolResult(text.join('\n') || `no failed jobs on ${name}`, { jobs: rows });
          }),
        );
        server.registerTool(
          'retry_job',
          {
            description: 'Move a failed job back to the queue so it runs again',
            inputSchema: { queue: QueueName, id: z.string().min(1).max(64).describe('The job id, as failed_jobs lists it') },
            annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
          },
          ({ queue: name, id }) => guarded(async () => {
            const job = await queue(name).getJob(id);
            if (!job) return toolError(`no job ${id.slice(0, 64)} on ${name}`);
            if (!(await job.isFailed())) return toolError(`job ${id} on ${name} has not failed; only failed jobs can be retried`);
            await job.retry('failed');
            return toolResult(`job ${id} (${job.name}) on ${name} is queued again`, { id, queue: name });
          }),
        );
        return server;
      },
      async close() {
        await Promise.all([...queues.values()].map((q) => q.close()));
        await hub.close();
      },
    };
  },
} satisfies ServerDefinition;
