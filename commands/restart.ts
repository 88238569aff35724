import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import { MemberArg, type Command } from './index.js';

const args = z.object({
  member: MemberArg.describe('The fleet member to restart'),
});

export default {
  name: 'restart',
  description: 'Restart a fleet member and wait until it is healthy again',
  args,
  permission: 'operate',
  destructive: true,
  async run(ctx, { member }) {
    const { name } = ctx.fleet.member(member);
    const result = await ctx.ops.request('restart', { member: name, requestedBy: ctx.caller.name, requestedAt: Date.now() }, ctx.timeoutMs);
    if (!result.healthy) {
      return { tone: 'error', title: `restarted ${name}, but it is not healthy: ${result.reason}`, body: `restarts: ${result.restarts}` };
    }
    return { tone: 'ok', title: `restarted ${name} in ${formatDuration(result.durationMs)} — healthy`, body: `restarts: ${result.restarts}` };
  },
} satisfies Command<typeof args>;
