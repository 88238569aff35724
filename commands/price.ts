import { z } from 'zod';
import { formatAmount } from '../defi/describe.js';
import type { Command } from './index.js';

const Token = z.string().min(1).max(42);
const args = z.object({
  base: Token.describe('Token priced, by symbol or address, e.g. WETH'),
  quote: Token.describe('Token it is priced in, e.g. USDC'),
});

export default {
  name: 'price',
  description: 'The price of a pair on every watched DEX, with the spread between them',
  args,
  permission: 'read',
  async run(ctx, { base, quote }) {
    const p = await ctx.defi.scanner.request('price', { base, quote }, ctx.timeoutMs);
    if (p.quotes.length === 0) return { tone: 'warn', title: `no DEX has a ${p.base}/${p.quote} pool with reserves` };
    const spread = p.spreadPercent === undefined ? 'one DEX only' : `spread ${p.spreadPercent.toFixed(3)} %`;
    return {
      tone: 'info',
      title: `${p.base}/${p.quote} at block ${p.block}: ${spread}`,
      table: {
        columns: ['dex', `price (${p.quote} per ${p.base})`, `reserve ${p.base}`, `reserve ${p.quote}`, 'pool'],
        rows: p.quotes.map((q) => ({ cells: [q.dex, q.price.toPrecision(8), formatAmount(q.reserveBase, p.baseDecimals, 4), formatAmount(q.reserveQuote, p.quoteDecimals, 4), q.pool] })),
      },
    };
  },
} satisfies Command<typeof args>;
