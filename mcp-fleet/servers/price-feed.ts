import { z } from 'zod';
import { defiServer } from './defi-server.js';
import { tool, toolResult } from './server.js';

/** The `price-feed` MCP server: a pair's price on every watched DEX, and the spread. Side effects: JSON-RPC reads. */

const Token = z.string().min(1).max(42);

export default defiServer({
  name: 'price-feed',
  description: 'Prices of watched pairs on every DEX, with spreads',
  tools: (engine) => ({
    price: tool({
      description: 'The price of base in quote on every watched DEX at the latest block, and the spread between them',
      input: { base: Token.describe('Token priced (symbol or address), e.g. WETH'), quote: Token.describe('Token it is priced in, e.g. USDC') },
      async run({ base, quote }) {
        const p = await (await engine()).prices(base, quote);
        const lines = p.quotes.map((q) => `${q.dex}: ${q.price.toPrecision(8)} ${p.quote.symbol} per ${p.base.symbol}`);
        const spread = p.spreadPercent === undefined ? '' : ` — spread ${p.spreadPercent.toFixed(3)} %`;
        return toolResult([`${p.base.symbol}/${p.quote.symbol} at block ${p.block}${spread}`, ...lines].join('\n'), {
          block: p.block,
          spreadPercent: p.spreadPercent,
          quotes: p.quotes.map((q) => ({ dex: q.dex, pool: q.pool, price: q.price })),
        });
      },
    }),
  }),
});
