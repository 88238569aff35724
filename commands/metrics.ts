import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import type { Command } from './index.js';

const args = z.object({});

export default {
  name: 'metrics',
  description: "The fleet's key figures: health, restarts, queues, rates, findings, agents",
  args,
  permission: 'read',
  async run(ctx) {
    const s = await ctx.telemetry.snapshot();
    const healthy = s.members.filter((m) => m.health === 'healthy').length;
    const sum = (pick: (q: (typeof s.queues)[number]) => number) => s.queues.reduce((n, q) => n + pick(q), 0);
    const alive = s.agents.filter((a) => a.alive).length;
    const rows: [string, string][] = [
      ['members healthy', `${healthy} of ${s.members.length}`],
      ['member restarts', String(s.members.reduce((n, m) => n + m.restarts, 0))],
      ['jobs waiting / active', `${sum((q) => q.waiting)} / ${sum((q) => q.active)}`],
      ['jobs failed (kept)', String(sum((q) => q.failed))],
      ['jobs per minute (finished / failed)', `${sum((q) => q.completedPerMinute)} / ${sum((q) => q.failedPerMinute)}`],
      ['agents alive', `${alive} of ${s.agents.length}`],
      ['latest scan', s.findings ? `block ${s.findings.block}, ${s.findings.lines.length} opportunities, ${s.findings.scanMs.toFixed(0)} ms` : 'none yet'],
      ['status as of', s.statusAt ? `${formatDuration(s.at - s.statusAt)} ago` : 'no status yet (is the health agent running?)'],
    ];
    return {
      tone: healthy === s.members.length ? 'ok' : 'warn',
      title: `fleet: ${healthy}/${s.members.length} healthy, ${sum((q) => q.waiting)} jobs waiting`,
      table: { columns: ['figure', 'value'], rows: rows.map((cells) => ({ cells })) },
    };
  },
} satisfies Command<typeof args>;
