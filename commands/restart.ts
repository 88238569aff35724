import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import { MemberArg, OpsError, type Command } from './index.js';

const args = z.object({
  // First, as it is typed (`/restart agent healer`); never taken by position (bot/command-line.ts).
  kind: z
    .enum(['member', 'server', 'agent'])
    .optional()
    .describe('`agent` for an agent; a name that is both a member and an agent means the member without it')
    // Only `agent` changes what is restarted: `server` and `member` say what a name means anyway ("Restart alpha?").
    .transform((kind) => (kind === 'agent' ? kind : undefined)),
  member: MemberArg.describe('The fleet member (server) or agent to restart'),
});

export default {
  name: 'restart',
  description: 'Restart a fleet member (wait until healthy) or an agent fleetbot runs (wait for its heartbeat)',
  args,
  permission: 'operate',
  destructive: true,
  async run(ctx, { member, kind }) {
    // The dispatcher let a name through that is no member only when it is an agent's (bot/dispatch.ts).
    if (kind === 'agent' || !ctx.fleet.members.some((m) => m.name === member)) return restartAgent(ctx, member);
    const { name } = ctx.fleet.member(member);
    const result = await ctx.ops.request('restart', { member: name, requestedBy: ctx.caller.name, requestedAt: Date.now() }, ctx.timeoutMs);
    if (!result.healthy) {
      return { tone: 'error', title: `restarted ${name}, but it is not healthy: ${result.reason}`, body: `restarts: ${result.restarts}` };
    }
    return { tone: 'ok', title: `restarted ${name} in ${formatDuration(result.durationMs)} — healthy`, body: `restarts: ${result.restarts}` };
  },
} satisfies Command<typeof args>;

/** An agent, in the process that runs it: answered once the fresh copy's heartbeat is in. */
async function restartAgent(ctx: Parameters<Command['run']>[0], agent: string) {
  const result = await ctx.agentControl.restart(agent, ctx.caller.name, ctx.timeoutMs);
  if (!result.ok) {
    const can = `agents it can restart: ${result.restartable.join(', ') || 'none (no fleetbot process that runs agents is alive)'}`;
    if (result.problem !== 'unknown') throw new OpsError('agent-unreachable', `${result.detail} — ${can}`);
    // Echoed only when it looks like a name; anything else is not repeated back.
    const named = /^[a-z][a-z0-9-]{0,31}$/.test(agent) ? `\`${agent}\`` : 'that name';
    throw new OpsError('unknown-agent', `${named} is no agent a fleetbot process runs — ${can}`);
  }
  const where = result.restarted.map((r) => r.where).join(', ');
  const took = Math.max(...result.restarted.map((r) => r.durationMs));
  return {
    tone: 'ok' as const,
    title: `restarted agent ${agent} in ${formatDuration(took)} — alive (fresh heartbeat)`,
    body: `in ${result.restarted.length === 1 ? 'process' : 'processes'} ${where}`,
  };
}
