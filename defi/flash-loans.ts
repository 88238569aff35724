import type { JsonRpcProvider } from 'ethers';
import { uniswapV2FlashRepay } from './amm-math.js';
import { calldata, SELECTOR, wordToAddress, type BlockTag, type Reserves } from './batch-read.js';
import type { Pool, Token } from './registry.js';
import { v3FlashFee } from './v3-math.js';

/**
 * Flash-loan sources and what they charge: a Balancer V2 vault (its fee collector's percentage, 0 unless governance
 * sets one), an Aave V3 pool (FLASHLOAN_PREMIUM_TOTAL, read at run time), and a Uniswap V2 flash swap from a watched
 * pair outside the cycle (repay ceil(x·1000/997), about 0.3 %), and a Uniswap V3 pool's flash() outside the cycle (its
 * own fee, rounded up). The kind numbers match FlashArbitrage.sol.
 * Side effects: eth_call to the provider's endpoint in `readLenders`.
 */

export const SOURCE_KIND = { 'uniswap-v2': 0, 'balancer-v2': 1, 'aave-v3': 2, 'uniswap-v3': 3 } as const;
export type SourceName = keyof typeof SOURCE_KIND;

export interface FlashLoan {
  source: SourceName;
  /** The contract that lends: vault, pool or pair. */
  lender: string;
  fee: bigint;
}

/** Balancer and Aave as read for one block: fee terms and how much of the base token they hold. */
export interface ProtocolLender {
  source: 'balancer-v2' | 'aave-v3';
  lender: string;
  /** Balancer: 1e18 = 100 %; Aave: basis points. */
  rate: bigint;
  available: bigint;
}

const ONE = 10n ** 18n;

export function protocolFee(lender: ProtocolLender, amount: bigint): bigint {
  if (lender.source === 'balancer-v2') {
    // FixedPoint.mulUp, as the vault computes it.
    const product = amount * lender.rate;
    return product === 0n ? 0n : (product - 1n) / ONE + 1n;
  }
  // Aave's percentMul rounds half up.
  return (amount * lender.rate + 5000n) / 10000n;
}

const SELECTORS = {
  getProtocolFeesCollector: '0xd2946c2b',
  getFlashLoanFeePercentage: '0xd877845c',
  FLASHLOAN_PREMIUM_TOTAL: '0x074b2e43',
  getReserveData: '0x35ea6a75',
} as const;

async function word(provider: JsonRpcProvider, to: string, data: string, blockTag: BlockTag, index = 0): Promise<bigint> {
  const tag = typeof blockTag === 'number' ? `0x${blockTag.toString(16)}` : blockTag;
  const answer = (await provider.send('eth_call', [{ to, data }, tag])) as string;
  const slice = answer.slice(2 + index * 64, 2 + (index + 1) * 64);
  if (slice.length !== 64) throw new Error(`${to} gave no answer to ${data.slice(0, 10)}`);
  return BigInt(`0x${slice}`);
}

/** The protocol lenders configured, with their fee and what they can lend of `token` now; a lender that fails is left out. */
export async function readLenders(
  provider: JsonRpcProvider,
  config: { balancerVault?: string; aavePool?: string },
  token: Token,
  blockTag: BlockTag,
  onError: (source: string, error: unknown) => void,
): Promise<ProtocolLender[]> {
  const reads: Promise<ProtocolLender>[] = [];
  if (config.balancerVault) {
    const vault = config.balancerVault;
    reads.push(
      (async () => {
        const collector = wordToAddress(await word(provider, vault, SELECTORS.getProtocolFeesCollector, blockTag));
        const [rate, available] = await Promise.all([
          word(provider, collector, SELECTORS.getFlashLoanFeePercentage, blockTag),
          word(provider, token.address, calldata(SELECTOR.balanceOf, vault), blockTag),
        ]);
        return { source: 'balancer-v2' as const, lender: vault, rate, available };
      })(),
    );
  }
  if (config.aavePool) {
    const pool = config.aavePool;
    reads.push(
      (async () => {
        // ReserveData's ninth word is the aToken, which holds what the pool can lend.
        const [rate, aToken] = await Promise.all([
          word(provider, pool, SELECTORS.FLASHLOAN_PREMIUM_TOTAL, blockTag),
          word(provider, pool, calldata(SELECTORS.getReserveData, token.address), blockTag, 8),
        ]);
        const available = aToken === 0n ? 0n : await word(provider, token.address, calldata(SELECTOR.balanceOf, wordToAddress(aToken)), blockTag);
        return { source: 'aave-v3' as const, lender: pool, rate, available };
      })(),
    );
  }
  const settled = await Promise.allSettled(reads);
  return settled.flatMap((s, i) => {
    if (s.status === 'fulfilled') return [s.value];
    onError(i === 0 && config.balancerVault ? 'balancer-v2' : 'aave-v3', s.reason);
    return [];
  });
}

/** A watched V2 pair of the base token that can lend it by flash swap, and how much of it the pair holds. */
export interface PairLender {
  pool: Pool;
  depth: bigint;
}

/** V3 pools of the base token with what they hold of it, cheapest fee tier first and deepest first within a tier. */
export function v3Lenders(pools: readonly { pool: Pool; depth: bigint }[]): PairLender[] {
  return [...pools].sort((x, y) => x.pool.fee! - y.pool.fee! || (y.depth > x.depth ? 1 : y.depth < x.depth ? -1 : 0));
}

/** The base token's V2 pairs with their depth at these reserves, deepest first: what `cheapestLoan` expects. */
export function pairLenders(pools: readonly Pool[], base: Token, reserves: ReadonlyMap<string, Reserves>): PairLender[] {
  return pools
    .flatMap((pool) => {
      const r = reserves.get(pool.address);
      return r ? [{ pool, depth: pool.token0.address === base.address ? r.reserve0 : r.reserve1 }] : [];
    })
    .sort((x, y) => (y.depth > x.depth ? 1 : y.depth < x.depth ? -1 : 0));
}

/**
 * The cheapest way to borrow `amount` of the base token for a cycle through `cyclePools`: protocol lenders that hold
 * enough, and the deepest watched V2 pair of the base token outside the cycle (a pair in the cycle is locked while it
 * lends). `pairs` come deepest first, so only the few that are in the cycle are passed over.
 */
export function cheapestLoan(amount: bigint, cyclePools: readonly Pool[], lenders: readonly ProtocolLender[], pairs: readonly PairLender[], v3Pools: readonly PairLender[] = []): FlashLoan | undefined {
  const options: FlashLoan[] = lenders.filter((l) => l.available > amount).map((l) => ({ source: l.source, lender: l.lender, fee: protocolFee(l, amount) }));
  const deepest = pairs.find(({ pool }) => !cyclePools.some((p) => p.address === pool.address));
  if (deepest && deepest.depth > amount) options.push({ source: 'uniswap-v2', lender: deepest.pool.address, fee: uniswapV2FlashRepay(amount) - amount });
  // A V3 pool in the cycle is locked while it lends. `v3Pools` come cheapest tier first, deepest first within a tier:
  // the first outside the cycle that holds enough is the cheapest V3 loan, so the walk stops there.
  for (const { pool, depth } of v3Pools) {
    if (depth <= amount || cyclePools.some((p) => p.address === pool.address)) continue;
    options.push({ source: 'uniswap-v3', lender: pool.address, fee: v3FlashFee(amount, pool.fee!) });
    break;
  }
  // Cheapest first; on a tie the order above (protocols before a pair) holds, since sort is stable.
  return options.sort((x, y) => (x.fee < y.fee ? -1 : x.fee > y.fee ? 1 : 0))[0];
}
