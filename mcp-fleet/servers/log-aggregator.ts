import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { LOG_LINES_MAX, opsQueue } from '../../queues/ops.js';
import { QueueClient } from '../../queues/typed-queue.js';
import { RedisHub } from '../../redis/hub.js';
import { MemberStatusSchema } from '../status.js';
import { guarded, toolResult, type ServerDefinition } from './index.js';

/**
 * The `log-aggregator` MCP server: the recent log lines of every fleet member (or one), merged in time order and
 * filtered by a text — asked of the ops agent, which reads them from the fleet backend. Side effects: reads Redis,
 * adds `logs` jobs to the ops queue.
 */

const SnapshotSchema = z.object({ members: z.array(MemberStatusSchema), at: z.number() });
const TIMEOUT_MS = 10_000;

export default {
  name: 'log-aggregator',
  description: "Every member's recent log lines, merged and filtered",
  async open(config) {
    if (!config.redis.url) throw new Error('the log-aggregator server needs REDIS_URL');
    const hub = new RedisHub(config.redis.url, config.redis.prefix);
    const ops = new QueueClient(opsQueue, hub);
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-log-aggregator', version: '0.1.0' });
        server.registerTool(
          'recent_logs',
          {
            description: 'Recent log lines of every member (or one), oldest first, optionally only those containing a text',
            inputSchema: {
              member: z.string().max(64).optional().describe('One member; all members when omitted'),
              lines: z.number().int().min(1).max(LOG_LINES_MAX).default(20).describe('Lines per member'),
              match: z.string().max(200).optional().describe('Keep only lines containing this text'),
            },
            annotations: { readOnlyHint: true },
          },
          ({ member, lines, match }) => guarded(async () => {
            let names = member ? [member] : [];
            if (!member) {
              const raw = await hub.client.get(hub.key('fleet-status'));
              if (!raw) throw new Error('no fleet status yet: is the health agent running?');
              names = SnapshotSchema.parse(JSON.parse(raw)).members.map((m) => m.name);
            }
            const results = await Promise.all(names.map((name) => ops.request('logs', { member: name, tail: lines }, TIMEOUT_MS)));
            // Lines start with an ISO time, so text order is time order.
            const merged = results
              .flatMap((r) => r.lines.map((line) => ({ member: r.member, line })))
              .filter((l) => !match || l.line.includes(match))
              .sort((a, b) => a.line.localeCompare(b.line));
            return toolResult(merged.map((l) => `${l.member} | ${l.line}`).join('\n') || 'no matching log lines', { lines: merged });
          }),
        );
        return server;
      },
      close: async () => {
        await ops.close();
        await hub.close();
      },
    };
  },
} satisfies ServerDefinition;
