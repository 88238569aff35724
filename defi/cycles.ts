import { createHash } from 'node:crypto';
import { isProfitable, legOutputs, optimalInput, type Leg } from './amm-math.js';
import type { Reserves } from './batch-read.js';
import { isV3, type Pool, type PoolRegistry, type Token } from './registry.js';
import type { V3State } from './v3-math.js';
import { legOf, marginallyProfitable, optimalCycle, type Hop } from './v3-sizing.js';

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
  /** Each pool's constant-product view at the read state (a V3 pool's virtual reserves). */
  legs: Leg[];
  /** Set when the cycle goes through a V3 pool: the hops its exact math runs on. */
  hops?: Hop[];
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
    if (isV3(pool)) return undefined;
    const r = reserves.get(pool.address);
    if (!r || r.reserve0 === 0n || r.reserve1 === 0n) return undefined;
    const zeroIn = pool.token0.address === cycle.tokens[i]!.address;
    legs.push({ reserveIn: zeroIn ? r.reserve0 : r.reserve1, reserveOut: zeroIn ? r.reserve1 : r.reserve0, feeBps: pool.dex.feeBps });
  }
  return legs;
}

/** The hops of a cycle through at least one V3 pool; undefined when a pool's state is missing or empty. */
export function hopsOf(cycle: Cycle, reserves: ReadonlyMap<string, Reserves>, v3: ReadonlyMap<string, V3State>): Hop[] | undefined {
  const hops: Hop[] = [];
  for (const [i, pool] of cycle.pools.entries()) {
    const zeroIn = pool.token0.address === cycle.tokens[i]!.address;
    if (isV3(pool)) {
      const state = v3.get(pool.address);
      if (!state) return undefined;
      hops.push({ kind: 'v3', state, zeroForOne: zeroIn });
      continue;
    }
    const r = reserves.get(pool.address);
    if (!r || r.reserve0 === 0n || r.reserve1 === 0n) return undefined;
    hops.push({ kind: 'v2', leg: { reserveIn: zeroIn ? r.reserve0 : r.reserve1, reserveOut: zeroIn ? r.reserve1 : r.reserve0, feeBps: pool.dex.feeBps } });
  }
  return hops;
}

/** Every cycle whose optimal input yields a profit before costs, largest profit first. */
export function evaluate(cycles: readonly Cycle[], reserves: ReadonlyMap<string, Reserves>, v3: ReadonlyMap<string, V3State> = new Map()): Candidate[] {
  const out: Candidate[] = [];
  for (const cycle of cycles) {
    if (cycle.pools.some(isV3)) {
      const hops = hopsOf(cycle, reserves, v3);
      if (!hops || !marginallyProfitable(hops)) continue;
      const best = optimalCycle(hops);
      if (best) out.push({ cycle, amountIn: best.amountIn, amounts: best.amounts, profit: best.profit, legs: hops.map(legOf), hops });
      continue;
    }
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

// A scan names every rejected candidate: hashing each again would cost a SHA-1 per candidate per block. A cycle's
// pools are not changed once it is made (enumerateCycles), so its id is kept with it.
const ids = new WeakMap<Cycle, string>();

/** Stable identity of a cycle: its pools in order (direction included). */
export function cycleId(cycle: Cycle): string {
  const known = ids.get(cycle);
  if (known !== undefined) return known;
  const hash = createHash('sha1').update(cycle.pools.map((p) => p.address.toLowerCase()).join('>')).digest('hex').slice(0, 10);
  const symbols = cycle.tokens.slice(1, -1).map((t) => t.symbol.replace(/[^A-Za-z0-9]/g, '')).join('-');
  const id = `${symbols}-${hash}`.toLowerCase();
  ids.set(cycle, id);
  return id;
}

