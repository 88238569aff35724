import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import { MemberArg, OpsError, type Command } from './index.js';

const args = z.object({
  member: MemberArg.describe('The fleet member to scale'),
  replicas: z.number().int().min(0).max(100).describe('How many replicas should run (0 stops it; at most its max_replicas)'),
});

export default {
  name: 'scale',
  description: 'Run a fleet member as this many replicas (swarm) and wait until they answer',
  args,
  permission: 'operate',
  destructive: true,
  async run(ctx, { member, replicas }) {
    const target = ctx.fleet.member(member);
    if (replicas > target.max_replicas) {
      throw new OpsError('bad-argument', `${target.name} scales from 0 to ${target.max_replicas} replicas (max_replicas in the fleet manifest)`);
    }
    const result = await ctx.ops.request('scale', { member: target.name, replicas, requestedBy: ctx.caller.name }, ctx.timeoutMs);
    const took = formatDuration(result.durationMs);
    if (!result.healthy) return { tone: 'error', title: `scaled ${target.name} to ${replicas}, but ${result.running} run: ${result.reason}` };
    return { tone: 'ok', title: `scaled ${target.name} to ${replicas} replica${replicas === 1 ? '' : 's'} in ${took}${replicas ? ' — all answering' : ''}` };
  },
} satisfies Command<typeof args>;
