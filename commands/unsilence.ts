import { z } from 'zod';
import { MemberArg, type Command } from './index.js';

const args = z.object({
  member: MemberArg.describe('The fleet member whose alerts to unmute'),
});

export default {
  name: 'unsilence',
  description: "End a member's silence: its alerts are posted again",
  args,
  permission: 'operate',
  async run(ctx, { member }) {
    const { name } = ctx.fleet.member(member);
    const removed = await ctx.silences.unsilence(name);
    return removed ? { tone: 'ok', title: `alerts of ${name} are posted again` } : { tone: 'info', title: `${name} was not silenced` };
  },
} satisfies Command<typeof args>;
