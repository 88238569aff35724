/**
 * Constant-product (Uniswap V2) math in bigint, exactly as the pair contracts compute it, and the closed-form
 * optimal input of an arbitrage cycle. Pure functions: no chain, no I/O.
 */

export const BPS = 10_000n;

/** What a pair pays out for `amountIn`, with its fee in basis points (30 = Uniswap V2's 0.3 %). */
export function amountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: number): bigint {
  if (amountIn <= 0n || reserveIn <= 0n || reserveOut <= 0n) return 0n;
  const withFee = amountIn * (BPS - BigInt(feeBps));
  return (withFee * reserveOut) / (reserveIn * BPS + withFee);
}

/** One swap of a cycle, seen from the token that goes in. */
export interface Leg {
  reserveIn: bigint;
  reserveOut: bigint;
  feeBps: number;
}

/** The amounts after each leg, as the chain computes them (each floors). */
export function legOutputs(amountIn: bigint, legs: readonly Leg[]): bigint[] {
  const out: bigint[] = [];
  let amount = amountIn;
  for (const leg of legs) {
    amount = amountOut(amount, leg.reserveIn, leg.reserveOut, leg.feeBps);
    out.push(amount);
  }
  return out;
}

/** Output minus input of running `amountIn` around the cycle: what the swaps yield (negative when they lose). */
export function cycleProfit(amountIn: bigint, legs: readonly Leg[]): bigint {
  const outputs = legOutputs(amountIn, legs);
  return (outputs.at(-1) ?? 0n) - amountIn;
}

/**
 * A chain of constant-product swaps is a Möbius map: out(x) = a·x / (b + c·x). Composing one more leg with
 * g = (10000 − fee), Rin, Rout gives a' = g·Rout·a, b' = 10000·Rin·b, c' = 10000·Rin·c + g·a — exact in bigint.
 */
export interface Mobius {
  a: bigint;
  b: bigint;
  c: bigint;
}

export function compose(legs: readonly Leg[]): Mobius {
  let a = 1n;
  let b = 1n;
  let c = 0n;
  for (const { reserveIn, reserveOut, feeBps } of legs) {
    const g = BPS - BigInt(feeBps);
    [a, b, c] = [g * reserveOut * a, BPS * reserveIn * b, BPS * reserveIn * c + g * a];
  }
  return { a, b, c };
}

/** True when a small input comes back larger: the cycle's marginal rate a/b is above 1. Cheap: no square root. */
export function isProfitable(legs: readonly Leg[]): boolean {
  const { a, b } = compose(legs);
  return a > b;
}

/**
 * The input that maximises a·x/(b + c·x) − x: where the derivative a·b/(b + c·x)² is 1, x* = (√(a·b) − b) / c.
 * Returns 0n when no input profits. Integer floors on chain move the true optimum by at most a wei or two, so the
 * neighbours are checked with the exact swap arithmetic.
 */
export function optimalInput(legs: readonly Leg[]): bigint {
  const { a, b, c } = compose(legs);
  if (a <= b || c === 0n) return 0n;
  const x = (sqrt(a * b) - b) / c;
  let best = x;
  let bestProfit = cycleProfit(x, legs);
  for (const candidate of [x - 2n, x - 1n, x + 1n, x + 2n]) {
    if (candidate <= 0n) continue;
    const p = cycleProfit(candidate, legs);
    if (p > bestProfit) [best, bestProfit] = [candidate, p];
  }
  return bestProfit > 0n ? best : 0n;
}

/** Floor of the square root (Newton's method on bigint). */
export function sqrt(value: bigint): bigint {
  if (value < 0n) throw new RangeError('square root of a negative number');
  if (value < 2n) return value;
  // Start just above the root, from a float estimate of its leading bits: Newton's method then needs a step or two
  // (the cycle sizing takes roots of 1,000-bit numbers).
  // The bit length from hex digits (rounded up to 4): a quarter of the string toString(2) builds, and any shift that
  // keeps ~100 leading bits gives as good a start.
  const shift = Math.max(0, value.toString(16).length * 4 - 100) & ~1;
  const approx = BigInt(Math.ceil(Math.sqrt(Number(value >> BigInt(shift))))) << BigInt(shift / 2);
  let x = approx + (approx >> 20n) + 1n;
  for (;;) {
    const y = (x + value / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Repayment of a Uniswap V2 flash swap of `amount` in the borrowed token: ceil(amount·1000/997). */
export function uniswapV2FlashRepay(amount: bigint): bigint {
  return (amount * 1000n + 996n) / 997n;
}

/** The price of one `base` unit in `quote` units at the pool's reserves, as a float for display. */
export function spotPrice(reserveBase: bigint, reserveQuote: bigint, baseDecimals: number, quoteDecimals: number): number {
  if (reserveBase === 0n) return Number.NaN;
  const scaled = (reserveQuote * 10n ** 18n * 10n ** BigInt(baseDecimals)) / (reserveBase * 10n ** BigInt(quoteDecimals));
  return Number(scaled) / 1e18;
}
