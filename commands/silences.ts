import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import type { Command } from './index.js';

const args = z.object({});

export default {
  name: 'silences',
  description: 'The members whose alerts are muted, and until when',
  args,
  permission: 'read',
  async run(ctx) {
    const silences = await ctx.silences.list();
    if (silences.length === 0) return { tone: 'info', title: 'no member is silenced' };
    const now = Date.now();
    return {
      tone: 'info',
      title: `${silences.length} member${silences.length === 1 ? '' : 's'} silenced`,
      table: {
        columns: ['member', 'until (UTC)', 'left', 'by'],
        rows: silences.map((s) => ({ cells: [s.member, new Date(s.until).toISOString().slice(0, 16).replace('T', ' '), formatDuration(s.until - now), s.by] })),
      },
    };
  },
} satisfies Command<typeof args>;
