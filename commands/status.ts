import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import type { MemberStatus } from '../state/fleet-status.js';
import { MemberArg, type Command, type Tone } from './index.js';

const args = z.object({
  member: MemberArg.optional().describe('Show only this fleet member'),
});

const TONE = { healthy: 'ok', starting: 'info', unhealthy: 'warn', down: 'error' } as const satisfies Record<MemberStatus['health'], Tone>;

function summary(members: MemberStatus[]): string {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.health, (counts.get(m.health) ?? 0) + 1);
  return [...counts].map(([health, n]) => `${n} ${health}`).join(', ');
}

export default {
  name: 'status',
  description: 'Every fleet member with its state, health, uptime and restarts',
  args,
  permission: 'read',
  async run(ctx, { member }) {
    if (member) ctx.fleet.member(member);
    const { members } = await ctx.ops.request('status', {}, ctx.timeoutMs);
    const shown = member ? members.filter((m) => m.name === member) : members;
    const worst = shown.some((m) => m.health === 'down') ? 'error' : shown.some((m) => m.health !== 'healthy') ? 'warn' : 'ok';
    return {
      tone: worst,
      title: `fleet: ${shown.length} member${shown.length === 1 ? '' : 's'} — ${summary(shown)}`,
      table: {
        columns: ['member', 'state', 'health', 'uptime', 'restarts', 'ping', 'note'],
        rows: shown.map((m) => ({
          tone: TONE[m.health],
          cells: [
            m.name,
            m.state === 'exited' && m.exitCode !== null && m.exitCode !== undefined ? `exited (${m.exitCode})` : m.state,
            m.health,
            m.uptimeMs === undefined ? '-' : formatDuration(m.uptimeMs),
            String(m.restarts),
            m.pingMs === undefined ? '-' : `${m.pingMs} ms`,
            m.reason ?? '',
          ],
        })),
      },
    };
  },
} satisfies Command<typeof args>;
