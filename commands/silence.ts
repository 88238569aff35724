import { z } from 'zod';
import { DurationSchema, formatDuration } from '../config/duration.js';
import { MemberArg, OpsError, type Command } from './index.js';

const WEEK_MS = 7 * 24 * 3600_000;

const args = z.object({
  member: MemberArg.describe('The fleet member whose alerts to mute'),
  duration: z.string().max(20).describe('How long, e.g. 30m, 2h, 1d (at most 7d)'),
});

export default {
  name: 'silence',
  description: "Mute a member's alerts for a maintenance window",
  args,
  permission: 'operate',
  async run(ctx, { member, duration }) {
    const { name } = ctx.fleet.member(member);
    const parsed = DurationSchema.safeParse(duration);
    if (!parsed.success || parsed.data < 60_000 || parsed.data > WEEK_MS) {
      throw new OpsError('bad-argument', 'duration must be between 1m and 7d, e.g. 30m, 2h, 1d');
    }
    const silence = await ctx.silences.silence(name, parsed.data, ctx.caller.name);
    return {
      tone: 'ok',
      title: `alerts of ${name} muted for ${formatDuration(parsed.data)}, until ${new Date(silence.until).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    };
  },
} satisfies Command<typeof args>;
