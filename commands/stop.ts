import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import { MemberArg, type Command } from './index.js';

/** How long a stop keeps the member's alerts muted if nobody starts it again: it is maintenance, not an outage. */
const STOPPED_SILENCE_MS = 30 * 24 * 3_600_000;

const args = z.object({
  member: MemberArg.describe('The fleet member to stop'),
});

export default {
  name: 'stop',
  description: 'Stop a fleet member; it is not healed or alerted on until /start',
  args,
  permission: 'operate',
  destructive: true,
  warn: ({ member }, fleet) => {
    const dependents = fleet.members.filter((m) => m.depends_on.includes(member)).map((m) => m.name);
    return dependents.length ? `${dependents.join(', ')} depend${dependents.length === 1 ? 's' : ''} on ${member} and will lose it` : undefined;
  },
  async run(ctx, { member }) {
    const { name } = ctx.fleet.member(member);
    // Paused and silenced first, so neither the healer nor an alert answers the stop itself.
    await ctx.healer.pause(name, ctx.caller.name);
    await ctx.silences.silence(name, STOPPED_SILENCE_MS, `${ctx.caller.name} (stopped)`);
    const result = await ctx.ops.request('stop', { member: name, requestedBy: ctx.caller.name }, ctx.timeoutMs);
    return { tone: 'ok', title: `stopped ${name} in ${formatDuration(result.durationMs)}`, body: 'not healed and not alerted on until /start' };
  },
} satisfies Command<typeof args>;
