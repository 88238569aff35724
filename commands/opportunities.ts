import { z } from 'zod';
import type { Command } from './index.js';
import { scanReply } from './scan.js';

const args = z.object({});

export default {
  name: 'opportunities',
  description: "The opportunities of the scanner's latest block, without scanning again",
  args,
  permission: 'read',
  async run(ctx) {
    const { scan } = await ctx.defi.scanner.request('opportunities', {}, ctx.timeoutMs);
    if (!scan) return { tone: 'info', title: 'the scanner has not finished a scan yet — try /scan' };
    return scanReply(scan, `latest (${Math.round((Date.now() - scan.at) / 1000)} s ago)`);
  },
} satisfies Command<typeof args>;
