import { amountOut, sqrt, type Leg } from './amm-math.js';
import { FEE_DENOMINATOR, getNextSqrtPriceFromInput, getSqrtRatioAtTick, MAX_TICK, MIN_TICK, Q96, swapExactInput, type V3State } from './v3-math.js';

/**
 * Sizing cycles that go through Uniswap V3 pools (and V2 pairs), exactly. Within a stretch where no pool crosses an
 * initialized tick, every swap is constant-product on virtual reserves (V3: L·2^96/√P and L·√P/2^96), so the cycle
 * is one Möbius map a·x/(b + c·x) and its best input has the closed form (√(ab) − b)/c. The walk goes from one such
 * stretch to the next — crossing the tick whose boundary comes first — until the optimum falls inside a stretch,
 * the cycle's marginal rate drops to 1 at a boundary, or a pool runs out of liquidity or of the ticks that were read.
 * The integer input is then settled on the exact swap arithmetic of the contracts. Pure functions: no chain, no I/O.
 */

/** One swap of a cycle: a V2 pair (as a Leg) or a V3 pool in a direction. */
export type Hop = { kind: 'v2'; leg: Leg } | { kind: 'v3'; state: V3State; zeroForOne: boolean };

/** What one hop takes and pays for `amountIn`; undefined when a V3 swap leaves the ticks that were read. */
function hopSwap(hop: Hop, amountIn: bigint): { used: bigint; out: bigint } | undefined {
  if (hop.kind === 'v2') return { used: amountIn, out: amountOut(amountIn, hop.leg.reserveIn, hop.leg.reserveOut, hop.leg.feeBps) };
  if (amountIn <= 0n) return { used: 0n, out: 0n };
  const swap = swapExactInput(hop.state, hop.zeroForOne, amountIn, { withTick: false });
  return swap && { used: swap.amountIn, out: swap.amountOut };
}

/**
 * What running `amountIn` of the base token around the cycle leaves: the last output, plus what the first pool did
 * not take (a V3 pool out of liquidity takes less), minus the input. The amounts after each hop come with it.
 */
export function cycleYield(hops: readonly Hop[], amountIn: bigint): { profit: bigint; amounts: bigint[] } | undefined {
  const amounts: bigint[] = [];
  let amount = amountIn;
  let unused = 0n;
  for (const [i, hop] of hops.entries()) {
    const swap = hopSwap(hop, amount);
    if (!swap) return undefined;
    if (i === 0) unused = amount - swap.used;
    amount = swap.out;
    amounts.push(amount);
  }
  return { profit: amount + unused - amountIn, amounts };
}

/** A hop as the walk sees it: where its price is now and what is next in its direction. */
interface Cursor {
  hop: Hop;
  /** V2 reserves as they move. */
  reserveIn: bigint;
  reserveOut: bigint;
  /** V3. */
  sqrtP: bigint;
  liquidity: bigint;
  /** Index of the next initialized tick in the swap's direction (V3), or -1/length past the end. */
  next: number;
  /** The furthest tick the read bitmap words vouch for in the swap's direction (V3). */
  limitTick: number;
}

const gNum = (hop: Hop) => (hop.kind === 'v2' ? 10_000n - BigInt(hop.leg.feeBps) : FEE_DENOMINATOR - BigInt(hop.state.fee));
const gDen = (hop: Hop) => (hop.kind === 'v2' ? 10_000n : FEE_DENOMINATOR);

function cursorOf(hop: Hop): Cursor {
  if (hop.kind === 'v2') return { hop, reserveIn: hop.leg.reserveIn, reserveOut: hop.leg.reserveOut, sqrtP: 0n, liquidity: 0n, next: -1, limitTick: 0 };
  const { state, zeroForOne } = hop;
  const spacing = state.tickSpacing;
  let next: number;
  if (zeroForOne) {
    // Ticks at or below the current tick; the pool crosses the one at its tick when the price goes below it.
    next = state.ticks.length - 1;
    while (next >= 0 && state.ticks[next]!.tick > state.tick) next--;
  } else {
    next = 0;
    while (next < state.ticks.length && state.ticks[next]!.tick <= state.tick) next++;
  }
  const limitTick = zeroForOne ? Math.max(MIN_TICK, state.wordLow * 256 * spacing) : Math.min(MAX_TICK, (state.wordHigh * 256 + 255) * spacing);
  return { hop, reserveIn: 0n, reserveOut: 0n, sqrtP: state.sqrtPriceX96, liquidity: state.liquidity, next, limitTick };
}

/** Virtual reserves of the hop at its cursor. */
function reservesAt(c: Cursor): [bigint, bigint] {
  if (c.hop.kind === 'v2') return [c.reserveIn, c.reserveOut];
  if (c.liquidity === 0n) return [1n, 0n];
  const x = (c.liquidity * Q96) / c.sqrtP;
  const y = (c.liquidity * c.sqrtP) / Q96;
  return c.hop.zeroForOne ? [x, y] : [y, x];
}

/** The Möbius map of hops [0, upTo) at their cursors: out(t) = a·t / (b + c·t). */
function composeAt(cursors: readonly Cursor[], upTo: number): { a: bigint; b: bigint; c: bigint } {
  let a = 1n;
  let b = 1n;
  let c = 0n;
  for (let i = 0; i < upTo; i++) {
    const [rin, rout] = reservesAt(cursors[i]!);
    const g = gNum(cursors[i]!.hop);
    const d = gDen(cursors[i]!.hop);
    [a, b, c] = [g * rout * a, d * rin * b, d * rin * c + g * a];
  }
  return { a, b, c };
}

const apply = (m: { a: bigint; b: bigint; c: bigint }, t: bigint) => (m.a * t) / (m.b + m.c * t);
const NEVER = 1n << 255n;

/** The next boundary of a V3 hop: its sqrt price, and whether it is an initialized tick (else the end of what was read). */
function boundaryOf(c: Cursor): { sqrt: bigint; tickIndex: number } | undefined {
  if (c.hop.kind === 'v2') return undefined;
  const { state, zeroForOne } = c.hop;
  const inRange = zeroForOne ? c.next >= 0 && state.ticks[c.next]!.tick >= c.limitTick : c.next < state.ticks.length && state.ticks[c.next]!.tick <= c.limitTick;
  const tick = inRange ? state.ticks[c.next]!.tick : c.limitTick;
  return { sqrt: getSqrtRatioAtTick(tick), tickIndex: inRange ? c.next : -1 };
}

/** Input (fee included, in the hop's token) that takes the hop from its cursor to `sqrtB`. */
function inputTo(c: Cursor, sqrtB: bigint): bigint {
  if (c.liquidity === 0n) return 0n;
  const hop = c.hop as Extract<Hop, { kind: 'v3' }>;
  const net = hop.zeroForOne ? (c.liquidity * Q96 * (c.sqrtP - sqrtB)) / (c.sqrtP * sqrtB) : (c.liquidity * (sqrtB - c.sqrtP)) / Q96;
  return (net * gDen(hop) + gNum(hop) - 1n) / gNum(hop);
}

/** Moves a hop's cursor by `amount` of input (not to a boundary). */
function advance(c: Cursor, amount: bigint): void {
  if (amount <= 0n) return;
  if (c.hop.kind === 'v2') {
    const out = (gNum(c.hop) * c.reserveOut * amount) / (gDen(c.hop) * c.reserveIn + gNum(c.hop) * amount);
    c.reserveIn += amount;
    c.reserveOut -= out;
    return;
  }
  if (c.liquidity === 0n) return;
  c.sqrtP = getNextSqrtPriceFromInput(c.sqrtP, c.liquidity, (amount * gNum(c.hop)) / gDen(c.hop), c.hop.zeroForOne);
}

/** Puts a V3 hop's cursor on its boundary, crossing the tick there if it is initialized. */
function cross(c: Cursor, boundary: { sqrt: bigint; tickIndex: number }): void {
  const hop = c.hop as Extract<Hop, { kind: 'v3' }>;
  c.sqrtP = boundary.sqrt;
  if (boundary.tickIndex < 0) return;
  const net = hop.state.ticks[boundary.tickIndex]!.liquidityNet;
  c.liquidity += hop.zeroForOne ? -net : net;
  c.next += hop.zeroForOne ? -1 : 1;
}

/** The real-valued best input of the cycle, from the walk across tick stretches (before integer settling). */
function walkOptimum(hops: readonly Hop[]): bigint {
  const cursors = hops.map(cursorOf);
  let x = 0n;
  for (let stretch = 0; stretch < 512; stretch++) {
    // A V3 pool with no liquidity here moves to its next initialized tick for nothing, as the pool's swap does.
    const empty = cursors.find((c) => c.hop.kind === 'v3' && c.liquidity === 0n && boundaryOf(c)!.tickIndex >= 0);
    if (empty) {
      cross(empty, boundaryOf(empty)!);
      continue;
    }
    const m = composeAt(cursors, cursors.length);
    // Marginal rate a/b at the stretch's start: at most 1, and going further only loses.
    if (m.a <= m.b || m.c === 0n) return x;
    const best = (sqrt(m.a * m.b) - m.b) / m.c;
    // Where the first hop to reach its boundary reaches it, in cycle input.
    let end = NEVER;
    let which = -1;
    let boundary: ReturnType<typeof boundaryOf>;
    for (const [i, c] of cursors.entries()) {
      const b = boundaryOf(c);
      if (!b) continue;
      const need = inputTo(c, b.sqrt);
      const prefix = composeAt(cursors, i);
      // Invert the hops before this one: t = b·y / (a − c·y), unreachable when a ≤ c·y.
      const t = i === 0 ? need : prefix.a > prefix.c * need ? (prefix.b * need + prefix.a - prefix.c * need - 1n) / (prefix.a - prefix.c * need) : NEVER;
      if (t < end) [end, which, boundary] = [t, i, b];
    }
    if (best <= end) return x + best;
    // The boundary comes first: stop there if it is the end of what was read, else cross it and walk on.
    if (boundary!.tickIndex < 0) return x + end;
    let amount = end;
    for (const [i, c] of cursors.entries()) {
      const next = c.hop.kind === 'v2' ? amountOut(amount, c.reserveIn, c.reserveOut, (c.hop as Extract<Hop, { kind: 'v2' }>).leg.feeBps) : apply(composeAt([c], 1), amount);
      if (i === which) cross(c, boundary!);
      else advance(c, amount);
      amount = next;
    }
    x += end;
  }
  return x;
}

/** The integer input with the largest exact yield near the walk's optimum, and that yield; undefined when none profits. */
export function optimalCycle(hops: readonly Hop[]): { amountIn: bigint; profit: bigint; amounts: bigint[] } | undefined {
  const x = walkOptimum(hops);
  if (x <= 0n) return undefined;
  let best = undefined as { amountIn: bigint; profit: bigint; amounts: bigint[] } | undefined;
  // Integer floors move the optimum by a wei or two; where the profit keeps rising, a little further.
  const tryAt = (candidate: bigint) => {
    if (candidate <= 0n) return false;
    const y = cycleYield(hops, candidate);
    if (!y || (best && y.profit <= best.profit)) return false;
    best = { amountIn: candidate, ...y };
    return true;
  };
  tryAt(x);
  if (tryAt(x + 1n)) for (const step of [2n, 4n, 8n]) if (!tryAt(best!.amountIn + step)) break;
  if (best?.amountIn === x) tryAt(x - 1n);
  return best && best.profit > 0n ? best : undefined;
}

/** The cycle's marginal rate at zero input is above 1 (a small input comes back larger): cheap, no square root. */
export function marginallyProfitable(hops: readonly Hop[]): boolean {
  const m = composeAt(hops.map(cursorOf), hops.length);
  return m.a > m.b;
}

/** The hop's constant-product view at its current price: a V3 pool's virtual reserves (used for the risk check's pool share). */
export function legOf(hop: Hop): Leg {
  if (hop.kind === 'v2') return hop.leg;
  const [reserveIn, reserveOut] = reservesAt(cursorOf(hop));
  return { reserveIn, reserveOut, feeBps: hop.state.fee / 100 };
}
