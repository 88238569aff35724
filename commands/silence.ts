import { z } from 'zod';
import { DurationSchema, formatDuration } from '../config/duration.js';
import { MemberArg, type Command } from './index.js';

const WEEK_MS = 7 * 24 * 3600_000;

/** A maintenance window in ms, if the text is one fleetbot accepts (1 minute to 7 days). */
const windowMs = (text: string): number | undefined => {
  const parsed = DurationSchema.safeParse(text);
  return parsed.success && parsed.data >= 60_000 && parsed.data <= WEEK_MS ? parsed.data : undefined;
};

const args = z.object({
  member: MemberArg.describe('The fleet member whose alerts to mute'),
  // Checked with the arguments, so a bad window is refused before anyone is asked to confirm it.
  duration: z
    .string()
    .max(20)
    .refine((text) => windowMs(text) !== undefined, 'must be between 1m and 7d, e.g. 30m, 2h, 1d')
    .describe('How long, e.g. 30m, 2h, 1d (at most 7d)'),
});

export default {
  name: 'silence',
  description: "Mute a member's alerts for a maintenance window",
  args,
  permission: 'operate',
  async run(ctx, { member, duration }) {
    const { name } = ctx.fleet.member(member);
    const durationMs = windowMs(duration)!;
    const silence = await ctx.silences.silence(name, durationMs, ctx.caller.name);
    return {
      tone: 'ok',
      title: `alerts of ${name} muted for ${formatDuration(durationMs)}, until ${new Date(silence.until).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    };
  },
} satisfies Command<typeof args>;
