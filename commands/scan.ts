import { z } from 'zod';
import { formatAmount } from '../defi/describe.js';
import type { ScanSummary } from '../state/defi-scan.js';
import type { Command, Reply } from './index.js';

const args = z.object({});

/** A scan as a reply: each opportunity on a row; why the others were dropped, counted by reason. */
export function scanReply(scan: ScanSummary, heading: string): Reply {
  const reasons = new Map<string, number>();
  for (const r of scan.rejected) {
    const kind = r.reason.replace(/\d+/g, 'N');
    reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
  }
  const notes = [
    `${scan.pools} pools, ${scan.cycles} cycles, ${scan.candidates} yield before costs — ${Math.round(scan.totalMs)} ms`,
    ...(scan.unreadable.length ? [`unreadable or empty pools: ${scan.unreadable.join(', ')}`] : []),
    ...(scan.warnings ?? []),
    ...[...reasons].map(([reason, n]) => `${n}× ${reason}`),
  ];
  if (scan.opportunities.length === 0) return { tone: 'info', title: `${heading}: no profitable opportunity at block ${scan.block}`, body: notes.join('\n') };
  const base = scan.opportunities[0]!.baseToken;
  return {
    tone: 'ok',
    title: `${heading}: ${scan.opportunities.length} opportunit${scan.opportunities.length === 1 ? 'y' : 'ies'} at block ${scan.block}, all simulated ✓`,
    body: notes.join('\n'),
    table: {
      columns: ['id', 'pair', 'buy', 'sell', `in (${base.symbol})`, 'profit', 'net', 'flash loan', 'risk'],
      rows: scan.opportunities.map((o) => ({
        tone: o.risk.ok ? ('ok' as const) : ('warn' as const),
        cells: [
          o.id,
          o.path.length === 3 ? o.pair.join('/') : o.path.join('→'),
          o.buyDex,
          o.sellDex,
          formatAmount(o.amountIn, base.decimals),
          formatAmount(o.profit, base.decimals),
          formatAmount(o.netProfit, base.decimals),
          o.flashLoan,
          o.risk.ok ? 'ok' : o.risk.reasons.join('; '),
        ],
      })),
    },
  };
}

export default {
  name: 'scan',
  description: 'Scan every watched DEX now: simulated, profitable arbitrage after flash-loan fee and gas',
  args,
  permission: 'read',
  async run(ctx) {
    return scanReply(await ctx.defi.scanner.request('scan', {}, ctx.timeoutMs), 'scan');
  },
} satisfies Command<typeof args>;
