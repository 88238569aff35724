import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defiRuntime } from '../../agents/defi-runtime.js';
import { guarded, readOnly, toolResult, type ServerDefinition } from './index.js';

/** The `price-feed` MCP server: a pair's price on every watched DEX, and the spread. Side effects: JSON-RPC reads. */

const Token = z.string().min(1).max(42);

export default {
  name: 'price-feed',
  description: 'Prices of watched pairs on every DEX, with spreads',
  async open(config, log) {
    const defi = defiRuntime(config.defi, log);
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-price-feed', version: '0.1.0' });
        server.registerTool(
          'price',
          {
            description: 'The price of base in quote on every watched DEX at the latest block, and the spread between them',
            inputSchema: { base: Token.describe('Token priced (symbol or address), e.g. WETH'), quote: Token.describe('Token it is priced in, e.g. USDC') },
            annotations: readOnly,
          },
          ({ base, quote }) => guarded(async () => {
            const p = await (await defi.engine()).prices(base, quote);
            const lines = p.quotes.map((q) => `${q.dex}: ${q.price.toPrecision(8)} ${p.quote.symbol} per ${p.base.symbol}`);
            const spread = p.spreadPercent === undefined ? '' : ` — spread ${p.spreadPercent.toFixed(3)} %`;
            return toolResult([`${p.base.symbol}/${p.quote.symbol} at block ${p.block}${spread}`, ...lines].join('\n'), {
              block: p.block,
              spreadPercent: p.spreadPercent,
              quotes: p.quotes.map((q) => ({ dex: q.dex, pool: q.pool, price: q.price })),
            });
          }),
        );
        return server;
      },
      close: () => defi.close(),
    };
  },
} satisfies ServerDefinition;
