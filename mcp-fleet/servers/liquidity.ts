import { parseUnits } from 'ethers';
import { z } from 'zod';
import { amountOut } from '../../defi/amm-math.js';
import { formatAmount } from '../../defi/describe.js';
import { defiServer } from './defi-server.js';
import { tool, toolError, toolResult } from './server.js';

/** The `liquidity` MCP server: watched pools and their reserves, and what a trade of a given size gets. Side effects: JSON-RPC reads. */

export default defiServer({
  name: 'liquidity',
  description: 'Watched pools, their reserves, and the price impact of a trade',
  tools: (engine) => ({
    pools: tool({
      description: 'Every watched pool with its DEX, tokens and reserves at the latest block',
      async run() {
        const { block, pools } = await (await engine()).pools();
        const rows = pools.map(({ pool, reserves }) => ({
          dex: pool.dex.name,
          pool: pool.address,
          pair: `${pool.token0.symbol}/${pool.token1.symbol}`,
          reserve0: reserves ? formatAmount(reserves.reserve0, pool.token0.decimals) : null,
          reserve1: reserves ? formatAmount(reserves.reserve1, pool.token1.decimals) : null,
        }));
        const text = rows.map((r) => `${r.dex} ${r.pair}: ${r.reserve0 ?? 'unreadable'} / ${r.reserve1 ?? 'unreadable'} (${r.pool})`);
        return toolResult([`${rows.length} pools at block ${block}`, ...text].join('\n'), { block, pools: rows });
      },
    }),
    quote: tool({
      description: 'What selling an amount of one token for another pays on each DEX, and its price impact',
      input: {
        sell: z.string().min(1).max(42).describe('Token sold (symbol or address)'),
        buy: z.string().min(1).max(42).describe('Token bought (symbol or address)'),
        amount: z.string().regex(/^\d+(\.\d+)?$/).describe('Amount sold, in token units, e.g. 1.5'),
      },
      async run({ sell, buy, amount }) {
        const e = await engine();
        const [tokenIn, tokenOut] = [e.registry.token(sell), e.registry.token(buy)];
        const amountIn = parseUnits(amount, tokenIn.decimals);
        const { pools } = await e.pools();
        const quotes = pools
          .filter(({ pool }) => e.registry.poolsOf(tokenIn, tokenOut).includes(pool))
          .flatMap(({ pool, reserves }) => {
            if (!reserves) return [];
            const [rIn, rOut] = pool.token0.address === tokenIn.address ? [reserves.reserve0, reserves.reserve1] : [reserves.reserve1, reserves.reserve0];
            const out = amountOut(amountIn, rIn, rOut, pool.dex.feeBps);
            const impact = rOut === 0n || out === 0n ? 100 : 100 - (Number((out * 10n ** 12n * rIn) / (amountIn * rOut)) / 1e10);
            return [{ dex: pool.dex.name, amountOut: formatAmount(out, tokenOut.decimals), priceImpactPercent: Number(impact.toFixed(4)) }];
          });
        if (quotes.length === 0) return toolError(`no watched pool trades ${tokenIn.symbol} for ${tokenOut.symbol}`);
        const text = quotes.map((q) => `${q.dex}: ${q.amountOut} ${tokenOut.symbol} (impact incl. fee ${q.priceImpactPercent} %)`);
        return toolResult([`selling ${amount} ${tokenIn.symbol}:`, ...text].join('\n'), { quotes });
      },
    }),
  }),
});
