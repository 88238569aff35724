import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import { MemberArg, OpsError, type Command } from './index.js';

const args = z.object({
  action: z.enum(['status', 'pause', 'resume']).describe('status: what the healer is doing; pause or resume auto-restart of a member'),
  member: MemberArg.optional().describe('The fleet member (required for pause and resume)'),
});

export default {
  name: 'heal',
  description: "The healer: its state per member, or pause / resume a member's automatic restarts",
  args,
  permission: 'operate',
  readOnly: ({ action }) => action === 'status',
  async run(ctx, { action, member }) {
    if (action === 'status') {
      const members = member ? [ctx.fleet.member(member)] : ctx.fleet.members;
      const rows = await ctx.healer.status(members.map((m) => m.name), (name) => ctx.fleet.member(name).restart.window);
      return {
        tone: rows.some((r) => r.paused) ? 'warn' : 'info',
        title: `healer: ${rows.filter((r) => r.paused).length} of ${rows.length} members paused`,
        table: {
          columns: ['member', 'policy', 'auto-restart', 'incidents', 'last healing'],
          rows: rows.map((r) => {
            const m = ctx.fleet.member(r.member);
            return {
              tone: r.paused ? ('warn' as const) : undefined,
              cells: [
                r.member,
                m.restart.policy,
                r.paused ? `paused (${r.paused.reason}) by ${r.paused.by}` : 'on',
                `${r.incidents}/${m.restart.max_restarts} in ${formatDuration(m.restart.window)}`,
                r.last ? `${r.last.detail} (${formatDuration(Date.now() - r.last.at)} ago)` : '-',
              ],
            };
          }),
        },
      };
    }
    if (!member) throw new OpsError('bad-argument', `name a member — usage: /heal ${action} <member>`);
    const { name } = ctx.fleet.member(member);
    if (action === 'pause') {
      await ctx.healer.pause(name, ctx.caller.name);
      return { tone: 'warn', title: `auto-restart of ${name} paused — it will not be healed until /heal resume ${name}` };
    }
    const wasPaused = await ctx.healer.resume(name);
    return {
      tone: 'ok',
      title: wasPaused ? `${name} is back under care, with a fresh restart budget` : `${name} was not paused; its restart budget is reset`,
    };
  },
} satisfies Command<typeof args>;
