import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import { MemberArg, type Command } from './index.js';

const args = z.object({
  member: MemberArg.describe('The fleet member to start'),
});

export default {
  name: 'start',
  description: 'Start a stopped fleet member, wait until it is healthy, and put it back under care',
  args,
  permission: 'operate',
  async run(ctx, { member }) {
    const { name } = ctx.fleet.member(member);
    const result = await ctx.ops.request('start', { member: name, requestedBy: ctx.caller.name }, ctx.timeoutMs);
    // Back under the healer's care and alerting once it runs, whatever its health: a failing member is news again.
    await ctx.healer.resume(name);
    await ctx.silences.unsilence(name);
    if (!result.healthy) return { tone: 'error', title: `started ${name}, but it is not healthy: ${result.reason}` };
    return { tone: 'ok', title: `started ${name} in ${formatDuration(result.durationMs)} — healthy` };
  },
} satisfies Command<typeof args>;
