import { parseUnits } from 'ethers';
import { z } from 'zod';
import { uniswapV2FlashRepay } from '../../defi/amm-math.js';
import { formatAmount } from '../../defi/describe.js';
import { protocolFee, readLenders, type SourceName } from '../../defi/flash-loans.js';
import { defiServer } from './defi-server.js';
import { tool, toolResult } from './server.js';

/** The `flash-loan` MCP server: which configured sources can lend an amount, and what each charges now. Side effects: JSON-RPC reads. */

export default defiServer({
  name: 'flash-loan',
  description: 'Flash-loan sources (Balancer V2, Aave V3, Uniswap V2) and their fees now',
  tools: (engine) => ({
    sources: tool({
      description: 'Every configured source able to lend the amount of the base token, with its fee, cheapest first',
      input: { amount: z.string().regex(/^\d+(\.\d+)?$/).describe('Amount to borrow, in base-token units, e.g. 10') },
      async run({ amount }) {
        const e = await engine();
        const base = e.registry.base;
        const wanted = parseUnits(amount, base.decimals);
        const block = await e.blockNumber();
        const problems: string[] = [];
        const lenders = await readLenders(e.provider, e.file.flashLoans, base, block, (source, error) => problems.push(`${source}: ${(error as Error).message}`));
        const sources: { source: SourceName; lender: string; available: bigint; fee: bigint }[] = lenders.map((l) => ({ source: l.source, lender: l.lender, available: l.available, fee: protocolFee(l, wanted) }));
        if (e.file.flashLoans.uniswapV2) {
          const { pools } = await e.pools();
          for (const { pool, reserves } of pools) {
            if (!reserves || (pool.token0.address !== base.address && pool.token1.address !== base.address)) continue;
            const available = pool.token0.address === base.address ? reserves.reserve0 : reserves.reserve1;
            sources.push({ source: 'uniswap-v2', lender: pool.address, available, fee: uniswapV2FlashRepay(wanted) - wanted });
          }
        }
        const able = sources.filter((s) => s.available > wanted).sort((x, y) => (x.fee < y.fee ? -1 : x.fee > y.fee ? 1 : 0));
        const show = (v: bigint) => `${formatAmount(v, base.decimals)} ${base.symbol}`;
        const text = able.map((s) => `${s.source} ${s.lender}: fee ${show(s.fee)}, can lend ${show(s.available)}`);
        return toolResult([`borrowing ${amount} ${base.symbol} at block ${block}:`, ...(text.length ? text : ['no configured source can lend that much']), ...problems].join('\n'), {
          block,
          sources: able.map((s) => ({ ...s, available: String(s.available), fee: String(s.fee) })),
        });
      },
    }),
  }),
});
