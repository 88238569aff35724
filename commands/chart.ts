import { z } from 'zod';
import { SERIES, type SeriesName } from '../telemetry/history.js';
import type { Command } from './index.js';

const RANGES = { '15m': 15 * 60_000, '1h': 3600_000, '6h': 6 * 3600_000, '24h': 24 * 3600_000 } as const;

const args = z.object({
  metric: z.enum(Object.keys(SERIES) as [SeriesName, ...SeriesName[]]).describe('What to chart'),
  range: z.enum(Object.keys(RANGES) as [keyof typeof RANGES, ...(keyof typeof RANGES)[]]).default('1h').describe('How far back'),
});

export default {
  name: 'chart',
  description: 'A chart of a fleet figure over the last minutes or hours, as a picture',
  args,
  permission: 'read',
  async run(ctx, { metric, range }) {
    const image = ctx.telemetry.chart(metric, RANGES[range]);
    return {
      tone: 'info',
      title: `${SERIES[metric].title}, last ${range}`,
      body: image.samples < 2 ? 'only a few samples so far: the history starts when the bot starts' : undefined,
      image: { png: image.png, filename: image.filename },
    };
  },
} satisfies Command<typeof args>;
