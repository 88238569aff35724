import { z } from 'zod';
import { describeOpportunity, formatAmount } from '../defi/describe.js';
import type { Command } from './index.js';

const args = z.object({
  id: z.string().min(1).max(80).describe('Opportunity id, as /scan and the findings channel show it'),
  check: z.boolean().default(false).describe('yes: only run the risk check against the current block, trade nothing'),
});

export default {
  name: 'trade',
  description: 'Trade an opportunity on chain, after the risk check and a simulation pass (check=yes only checks)',
  args,
  permission: 'operate',
  readOnly: ({ check }) => check,
  destructive: true,
  async run(ctx, { id, check }) {
    if (check) {
      const verdict = await ctx.defi.risk.request('check', { id }, ctx.timeoutMs);
      const line = verdict.opportunity ? describeOpportunity(verdict.opportunity) : undefined;
      if (!verdict.ok) return { tone: 'warn', title: `${id} would be refused: ${verdict.reasons.join('; ')}`, body: line };
      return { tone: 'info', title: `${id} passes the risk check now`, body: line };
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
