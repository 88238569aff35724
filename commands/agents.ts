import { z } from 'zod';
import { AGENTS } from '../agents/index.js';
import { formatDuration } from '../config/duration.js';
import type { Command } from './index.js';

const args = z.object({});

export default {
  name: 'agents',
  description: 'The agents (workers) fleetbot runs, and whether each is alive',
  args,
  permission: 'read',
  async run(ctx) {
    const seen = await ctx.agents();
    const now = Date.now();
    const rows = AGENTS.flatMap((agent) => {
      const instances = seen.filter((a) => a.name === agent.name);
      if (instances.length === 0) return [{ tone: 'error' as const, cells: [agent.name, 'not running', '-', '-', '-', agent.description] }];
      return instances.map((a) => ({
        tone: a.alive ? ('ok' as const) : ('error' as const),
        cells: [
          agent.name,
          a.alive ? 'alive' : `silent for ${formatDuration(now - a.beatAt)}`,
          `${a.host}:${a.pid}`,
          formatDuration(now - a.startedAt),
          `${a.jobsDone} done, ${a.jobsFailed} failed`,
          agent.description,
        ],
      }));
    });
    const down = rows.filter((r) => r.tone === 'error').length;
    return {
      tone: down ? 'warn' : 'ok',
      title: down ? `${down} of ${rows.length} agents not running` : `${rows.length} agents alive`,
      table: { columns: ['agent', 'state', 'where', 'uptime', 'work', 'does'], rows },
    };
  },
} satisfies Command<typeof args>;
