import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import type { MemberStatus } from '../state/fleet-status.js';
import { MemberArg, type Command, type Reply, type Tone } from './index.js';

const args = z.object({
  member: MemberArg.optional().describe('Show only this fleet member'),
});

const TONE = { healthy: 'ok', starting: 'info', unhealthy: 'warn', down: 'error' } as const satisfies Record<MemberStatus['health'], Tone>;

function summary(members: MemberStatus[]): string {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.health, (counts.get(m.health) ?? 0) + 1);
  return [...counts].map(([health, n]) => `${n} ${health}`).join(', ');
}

/** `/status <member>` of a replicated member: its tasks, each with node, state, health and since when. */
function tasksOf(m: MemberStatus, tone: Tone): Reply {
  const replicas = m.replicas!;
  return {
    tone,
    title: `${m.name}: ${replicas.running}/${replicas.desired} replicas running — ${m.health}${m.reason ? ` (${m.reason})` : ''}`,
    table: {
      columns: ['task', 'slot', 'node', 'state', 'health', 'since', 'note'],
      rows: replicas.tasks.map((t) => ({
        tone: t.error || t.health === 'unhealthy' ? ('error' as const) : t.state === 'running' ? ('ok' as const) : ('info' as const),
        cells: [
          t.id.slice(0, 12),
          t.slot === undefined ? '-' : String(t.slot),
          t.node,
          t.desired === t.state || t.desired === 'running' ? t.state : `${t.state} → ${t.desired}`,
          t.health ?? '-',
          `${formatDuration(Math.max(0, Date.now() - t.since))} ago`,
          t.error ?? t.reason ?? (t.exitCode !== undefined ? `exit ${t.exitCode}` : ''),
        ],
      })),
    },
  };
}

export default {
  name: 'status',
  description: 'Every fleet member: state, health, uptime, restarts (replicas and nodes on a swarm)',
  args,
  permission: 'read',
  async run(ctx, { member }) {
    if (member) ctx.fleet.member(member);
    const { members } = await ctx.ops.request('status', {}, ctx.timeoutMs);
    const shown = member ? members.filter((m) => m.name === member) : members;
    const worst = shown.some((m) => m.health === 'down') ? 'error' : shown.some((m) => m.health !== 'healthy') ? 'warn' : 'ok';
    const one = shown[0];
    if (member && one?.replicas) return tasksOf(one, worst);
    // Replica counts and nodes only where a backend runs replicas (swarm).
    const replicated = shown.some((m) => m.replicas);
    const replicaCells = (m: MemberStatus) => (replicated ? [m.replicas ? `${m.replicas.running}/${m.replicas.desired}` : '-', m.replicas?.nodes.join(', ') || '-'] : []);
    return {
      tone: worst,
      title: `fleet: ${shown.length} member${shown.length === 1 ? '' : 's'} — ${summary(shown)}`,
      table: {
        columns: ['member', 'state', 'health', ...(replicated ? ['replicas', 'nodes'] : []), 'uptime', 'restarts', 'ping', 'note'],
        rows: shown.map((m) => ({
          tone: TONE[m.health],
          cells: [
            m.name,
            m.state === 'exited' && m.exitCode !== null && m.exitCode !== undefined ? `exited (${m.exitCode})` : m.state,
            m.health,
            ...replicaCells(m),
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
