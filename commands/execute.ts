import { z } from 'zod';
import { describeOpportunity, formatAmount } from '../defi/describe.js';
import type { Command } from './index.js';

const args = z.object({
  id: z.string().min(1).max(80).describe('Opportunity id, as /scan and the findings channel show it'),
  confirm: z.enum(['no', 'yes']).default('no').describe('yes runs the trade; anything else only checks it'),
});

export default {
  name: 'execute',
  // The Discord transport confirms with a button; in the console, `confirm=yes` is that button.
  description: 'Run an opportunity on chain after risk check and simulation; without confirm=yes it only checks',
  args,
  permission: 'operate',
  destructive: true,
  async run(ctx, { id, confirm }) {
    if (confirm !== 'yes') {
      const verdict = await ctx.defi.risk.request('check', { id }, ctx.timeoutMs);
      const line = verdict.opportunity ? describeOpportunity(verdict.opportunity) : undefined;
      if (!verdict.ok) return { tone: 'warn', title: `${id} would be refused: ${verdict.reasons.join('; ')}`, body: line };
      return { tone: 'info', title: `${id} passes the risk check now — run it with \`/execute ${id} confirm=yes\``, body: line };
    }
    const result = await ctx.defi.execute.request('run', { id, requestedBy: ctx.caller.name }, ctx.timeoutMs);
    if (!result.ok) return { tone: 'error', title: `${id} not executed: ${result.refused}` };
    const base = result.opportunity!.baseToken;
    return {
      tone: 'ok',
      title: `executed ${id} in block ${result.block}: profit ${formatAmount(result.profit!, base.decimals)} ${base.symbol}`,
      body: `tx ${result.txHash}, gas ${result.gasUsed}`,
    };
  },
} satisfies Command<typeof args>;
