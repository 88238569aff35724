import { z } from 'zod';
import { LOG_LINES_MAX } from '../queues/ops.js';
import { MemberArg, type Command } from './index.js';

const args = z.object({
  member: MemberArg.describe('The fleet member whose log to show'),
  count: z.number().int().min(1).max(LOG_LINES_MAX).default(20).describe(`How many of the last lines (1-${LOG_LINES_MAX})`),
});

export default {
  name: 'logs',
  description: "The last lines of a fleet member's log, secrets redacted",
  args,
  permission: 'read',
  async run(ctx, { member, count }) {
    const { name } = ctx.fleet.member(member);
    const { lines } = await ctx.ops.request('logs', { member: name, tail: count }, ctx.timeoutMs);
    if (lines.length === 0) return { tone: 'info', title: `${name} has written no log lines yet` };
    return {
      tone: 'info',
      title: `last ${lines.length} log line${lines.length === 1 ? '' : 's'} of ${name}`,
      code: { text: lines.join('\n'), filename: `${name}.log` },
    };
  },
} satisfies Command<typeof args>;
