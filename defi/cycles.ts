import { createHash } from 'node:crypto';
import { isProfitable, legOutputs, optimalInput, type Leg } from './amm-math.js';
import type { Reserves } from './batch-read.js';
import type { Pool, PoolRegistry, Token } from './registry.js';

/**
 * Arbitrage cycles through the registry's pools, from the base token back to it: two pools of one pair on
 * different DEXes (buy on one, sell on the other), and — when enabled — three pools base → X → Y → base.
 * Evaluation is pure: reserves in, sized candidates out, with the closed-form optimum of each cycle.
 */

export interface Cycle {
  pools: Pool[];
  /** tokens[i] goes into pools[i]; tokens[0] is the base token, and the last pool pays it back. */
  tokens: Token[];
}

export interface Candidate {
  cycle: Cycle;
  amountIn: bigint;
  /** After each pool. */
  amounts: bigint[];
  /** Output minus input: what the swaps yield. */
  profit: bigint;
  legs: Leg[];
}

export function enumerateCycles(registry: PoolRegistry, { triangles }: { triangles: boolean }): Cycle[] {
  const base = registry.base;
  const cycles: Cycle[] = [];
  for (const [a, b] of registry.pairs()) {
    const pools = registry.poolsOf(a, b);
    const touchesBase = a.address === base.address || b.address === base.address;
    if (touchesBase) {
      const x = a.address === base.address ? b : a;
      for (const buy of pools) for (const sell of pools) if (buy !== sell) cycles.push({ pools: [buy, sell], tokens: [base, x, base] });
    } else if (triangles) {
      const toA = registry.poolsOf(base, a);
      const toB = registry.poolsOf(base, b);
      for (const middle of pools) {
        for (const first of toA) for (const last of toB) cycles.push({ pools: [first, middle, last], tokens: [base, a, b, base] });
        for (const first of toB) for (const last of toA) cycles.push({ pools: [first, middle, last], tokens: [base, b, a, base] });
      }
    }
  }
  return cycles;
}

export function legsOf(cycle: Cycle, reserves: ReadonlyMap<string, Reserves>): Leg[] | undefined {
  const legs: Leg[] = [];
  for (const [i, pool] of cycle.pools.entries()) {
    const r = reserves.get(pool.address);
    if (!r || r.reserve0 === 0n || r.reserve1 === 0n) return undefined;
    const zeroIn = pool.token0.address === cycle.tokens[i]!.address;
    legs.push({ reserveIn: zeroIn ? r.reserve0 : r.reserve1, reserveOut: zeroIn ? r.reserve1 : r.reserve0, feeBps: pool.dex.feeBps });
  }
  return legs;
}

/** Every cycle whose optimal input yields a profit before costs, largest profit first. */
export function evaluate(cycles: readonly Cycle[], reserves: ReadonlyMap<string, Reserves>): Candidate[] {
  const out: Candidate[] = [];
  for (const cycle of cycles) {
    const legs = legsOf(cycle, reserves);
    if (!legs || !isProfitable(legs)) continue;
    const amountIn = optimalInput(legs);
    if (amountIn === 0n) continue;
    const amounts = legOutputs(amountIn, legs);
    out.push({ cycle, amountIn, amounts, profit: amounts.at(-1)! - amountIn, legs });
  }
  return out.sort((x, y) => (y.profit > x.profit ? 1 : y.profit < x.profit ? -1 : 0));
}

export const zeroForOne = (cycle: Cycle, hop: number) => cycle.pools[hop]!.token0.address === cycle.tokens[hop]!.address;

/** Stable identity of a cycle: its pools in order (direction included). */
export function cycleId(cycle: Cycle): string {
  const hash = createHash('sha1').update(cycle.pools.map((p) => p.address.toLowerCase()).join('>')).digest('hex').slice(0, 10);
  const symbols = cycle.tokens.slice(1, -1).map((t) => t.symbol.replace(/[^A-Za-z0-9]/g, '')).join('-');
  return `${symbols}-${hash}`.toLowerCase();
}

