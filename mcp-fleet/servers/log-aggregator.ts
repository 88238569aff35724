import { z } from 'zod';
import { LOG_LINES_MAX, opsQueue } from '../../queues/ops.js';
import { QueueClient } from '../../queues/typed-queue.js';
import { readFleetStatus } from '../../state/fleet-status.js';
import { redisServer, tool, toolResult } from './server.js';

/**
 * The `log-aggregator` MCP server: the recent log lines of every fleet member (or one), merged in time order and
 * filtered by a text — asked of the ops agent, which reads them from the fleet backend. Side effects: reads Redis,
 * adds `logs` jobs to the ops queue.
 */

const TIMEOUT_MS = 10_000;

export default redisServer({
  name: 'log-aggregator',
  description: "Every member's recent log lines, merged and filtered",
  tools(hub, onClose) {
    const ops = new QueueClient(opsQueue, hub);
    onClose(() => ops.close());
    return {
      recent_logs: tool({
        description: 'Recent log lines of every member (or one), oldest first, optionally only those containing a text',
        input: {
          member: z.string().max(64).optional().describe('One member; all members when omitted'),
          lines: z.number().int().min(1).max(LOG_LINES_MAX).default(20).describe('Lines per member'),
          match: z.string().max(200).optional().describe('Keep only lines containing this text'),
        },
        async run({ member, lines, match }) {
          let names = member ? [member] : [];
          if (!member) {
            const status = await readFleetStatus(hub);
            if (!status) throw new Error('no fleet status yet: is the health agent running?');
            names = status.members.map((m) => m.name);
          }
          const results = await Promise.all(names.map((name) => ops.request('logs', { member: name, tail: lines }, TIMEOUT_MS)));
          // Lines start with an ISO time, so text order is time order.
          const merged = results
            .flatMap((r) => r.lines.map((line) => ({ member: r.member, line })))
            .filter((l) => !match || l.line.includes(match))
            .sort((a, b) => a.line.localeCompare(b.line));
          return toolResult(merged.map((l) => `${l.member} | ${l.line}`).join('\n') || 'no matching log lines', { lines: merged });
        },
      }),
    };
  },
});
