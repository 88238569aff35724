import { z } from 'zod';
import { formatAmount } from '../defi/describe.js';
import type { Command } from './index.js';

const args = z.object({});

export default {
  name: 'pools',
  description: 'The watched pools on every DEX and their liquidity',
  args,
  permission: 'read',
  async run(ctx) {
    const { block, pools, missing } = await ctx.defi.scanner.request('pools', {}, ctx.timeoutMs);
    const empty = pools.filter((p) => !p.reserve0 || p.reserve0 === '0' || p.reserve1 === '0').length;
    return {
      tone: empty ? 'warn' : 'info',
      title: `${pools.length} pools at block ${block}${empty ? ` — ${empty} unreadable or empty` : ''}`,
      body: missing.length ? `no DEX lists: ${missing.join(', ')}` : undefined,
      table: {
        columns: ['dex', 'pair', 'reserve 0', 'reserve 1', 'pool'],
        rows: pools.map((p) => ({
          tone: p.reserve0 && p.reserve0 !== '0' && p.reserve1 !== '0' ? undefined : ('warn' as const),
          cells: [
            p.dex,
            `${p.token0}/${p.token1}`,
            p.reserve0 === undefined ? 'unreadable' : `${formatAmount(p.reserve0, p.decimals0, 4)} ${p.token0}`,
            p.reserve1 === undefined ? 'unreadable' : `${formatAmount(p.reserve1, p.decimals1, 4)} ${p.token1}`,
            p.address,
          ],
        })),
      },
    };
  },
} satisfies Command<typeof args>;
