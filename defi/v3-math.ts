/**
 * Uniswap V3 swap math in bigint, exactly as the core contracts compute it (TickMath, FullMath, SqrtPriceMath,
 * SwapMath.computeSwapStep, the tick-bitmap walk of UniswapV3Pool.swap), for exact-input swaps over the part of a
 * pool's ticks that was read. Pure functions: no chain, no I/O.
 */

export const Q96 = 1n << 96n;
export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
const MIN_SQRT_RATIO = 4295128739n;
const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;
const MAX_UINT256 = (1n << 256n) - 1n;
export const FEE_DENOMINATOR = 1_000_000n;

// TickMath.getSqrtRatioAtTick's magic numbers, one per bit of |tick|.
const RATIOS = [
  0xfff97272373d413259a46990580e213an, 0xfff2e50f5f656932ef12357cf3c7fdccn, 0xffe5caca7e10e4e61c3624eaa0941cd0n, 0xffcb9843d60f6159c9db58835c926644n,
  0xff973b41fa98c081472e6896dfb254c0n, 0xff2ea16466c96a3843ec78b326b52861n, 0xfe5dee046a99a2a811c461f1969c3053n, 0xfcbe86c7900a88aedcffc83b479aa3a4n,
  0xf987a7253ac413176f2b074cf7815e54n, 0xf3392b0822b70005940c7a398e4b70f3n, 0xe7159475a2c29b7443b29c7fa6e889d9n, 0xd097f3bdfd2022b8845ad8f792aa5825n,
  0xa9f746462d870fdf8a65dc1f90e061e5n, 0x70d869a156d2a1b890bb3df62baf32f7n, 0x31be135f97d08fd981231505542fcfa6n, 0x9aa508b5b7a84e1c677de54f3e99bc9n,
  0x5d6af8dedb81196699c329225ee604n, 0x2216e584f5fa1ea926041bedfe98n, 0x48a170391f7dc42444e8fa2n,
];

const sqrtCache = new Map<number, bigint>();

export function getSqrtRatioAtTick(tick: number): bigint {
  const cached = sqrtCache.get(tick);
  if (cached !== undefined) return cached;
  const absTick = Math.abs(tick);
  if (absTick > MAX_TICK) throw new RangeError(`tick ${tick} out of range`);
  let ratio = absTick & 1 ? 0xfffcb933bd6fad37aa2d162d1a594001n : 0x100000000000000000000000000000000n;
  for (let bit = 1; bit < 20; bit++) if (absTick & (1 << bit)) ratio = (ratio * RATIOS[bit - 1]!) >> 128n;
  if (tick > 0) ratio = MAX_UINT256 / ratio;
  const out = (ratio >> 32n) + (ratio % (1n << 32n) === 0n ? 0n : 1n);
  if (sqrtCache.size > 100_000) sqrtCache.clear();
  sqrtCache.set(tick, out);
  return out;
}

/** The greatest tick whose sqrt ratio is at most `sqrtPriceX96` (TickMath.getTickAtSqrtRatio), by bisection on the exact function. */
export function getTickAtSqrtRatio(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) throw new RangeError('sqrt price out of range');
  // A float first guess, then the exact neighbourhood: log base sqrt(1.0001) of the price.
  let guess = Math.floor(Math.log(Number(sqrtPriceX96) / 2 ** 96) / Math.log(Math.sqrt(1.0001)));
  guess = Math.max(MIN_TICK, Math.min(MAX_TICK - 1, guess));
  while (guess > MIN_TICK && getSqrtRatioAtTick(guess) > sqrtPriceX96) guess--;
  while (guess < MAX_TICK - 1 && getSqrtRatioAtTick(guess + 1) <= sqrtPriceX96) guess++;
  return guess;
}

// Every operand here is non-negative and every divisor positive, so rounding up is one division: ⌈p/d⌉ = ⌊(p+d−1)/d⌋.
const mulDiv = (a: bigint, b: bigint, d: bigint) => (a * b) / d;
const mulDivUp = (a: bigint, b: bigint, d: bigint) => (a * b + d - 1n) / d;
const divUp = (a: bigint, b: bigint) => (a + b - 1n) / b;

function getAmount0Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  if (sqrtA > sqrtB) [sqrtA, sqrtB] = [sqrtB, sqrtA];
  const numerator1 = liquidity << 96n;
  const numerator2 = sqrtB - sqrtA;
  return roundUp ? divUp(mulDivUp(numerator1, numerator2, sqrtB), sqrtA) : mulDiv(numerator1, numerator2, sqrtB) / sqrtA;
}

function getAmount1Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  if (sqrtA > sqrtB) [sqrtA, sqrtB] = [sqrtB, sqrtA];
  return roundUp ? mulDivUp(liquidity, sqrtB - sqrtA, Q96) : mulDiv(liquidity, sqrtB - sqrtA, Q96);
}

/** SqrtPriceMath.getNextSqrtPriceFromInput: the price after `amountIn` (fee already taken) goes in. */
export function getNextSqrtPriceFromInput(sqrtP: bigint, liquidity: bigint, amountIn: bigint, zeroForOne: boolean): bigint {
  if (amountIn === 0n) return sqrtP;
  if (zeroForOne) {
    // getNextSqrtPriceFromAmount0RoundingUp, add = true
    const numerator1 = liquidity << 96n;
    const product = amountIn * sqrtP;
    if (product / amountIn === sqrtP) {
      const denominator = numerator1 + product;
      if (denominator >= numerator1 && denominator <= MAX_UINT256) return mulDivUp(numerator1, sqrtP, denominator);
    }
    return divUp(numerator1, numerator1 / sqrtP + amountIn);
  }
  // getNextSqrtPriceFromAmount1RoundingDown, add = true
  const quotient = amountIn <= (1n << 160n) - 1n ? (amountIn << 96n) / liquidity : mulDiv(amountIn, Q96, liquidity);
  return sqrtP + quotient;
}

interface SwapStep {
  sqrtNext: bigint;
  amountIn: bigint;
  amountOut: bigint;
  feeAmount: bigint;
}

/** SwapMath.computeSwapStep for an exact input (amountRemaining ≥ 0). */
function computeSwapStep(sqrtCurrent: bigint, sqrtTarget: bigint, liquidity: bigint, amountRemaining: bigint, feePips: bigint): SwapStep {
  const zeroForOne = sqrtCurrent >= sqrtTarget;
  const remainingLessFee = mulDiv(amountRemaining, FEE_DENOMINATOR - feePips, FEE_DENOMINATOR);
  let amountIn = zeroForOne ? getAmount0Delta(sqrtTarget, sqrtCurrent, liquidity, true) : getAmount1Delta(sqrtCurrent, sqrtTarget, liquidity, true);
  const sqrtNext = remainingLessFee >= amountIn ? sqrtTarget : getNextSqrtPriceFromInput(sqrtCurrent, liquidity, remainingLessFee, zeroForOne);
  const max = sqrtTarget === sqrtNext;
  if (!max) amountIn = zeroForOne ? getAmount0Delta(sqrtNext, sqrtCurrent, liquidity, true) : getAmount1Delta(sqrtCurrent, sqrtNext, liquidity, true);
  const amountOut = zeroForOne ? getAmount1Delta(sqrtNext, sqrtCurrent, liquidity, false) : getAmount0Delta(sqrtCurrent, sqrtNext, liquidity, false);
  const feeAmount = !max ? amountRemaining - amountIn : mulDivUp(amountIn, feePips, FEE_DENOMINATOR - feePips);
  return { sqrtNext, amountIn, amountOut, feeAmount };
}

/**
 * A V3 pool as read at one block: its price, in-range liquidity, and the initialized ticks of the bitmap words
 * [wordLow, wordHigh] (compressed-tick words of 256 ticks each), sorted ascending with their liquidityNet.
 */
export interface V3State {
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  fee: number;
  tickSpacing: number;
  wordLow: number;
  wordHigh: number;
  ticks: { tick: number; liquidityNet: bigint }[];
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);

/** Index of the first tick in `ticks` greater than `tick` (binary search). */
function upperBound(ticks: V3State['ticks'], tick: number): number {
  let lo = 0;
  let hi = ticks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ticks[mid]!.tick <= tick) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * TickBitmap.nextInitializedTickWithinOneWord over the ticks that were read; undefined when it needs a word that
 * was not read (the swap would leave the known part of the pool).
 */
function nextInitializedTick(state: V3State, tick: number, lte: boolean): { next: number; initialized: boolean; index: number } | undefined {
  const spacing = state.tickSpacing;
  let compressed = floorDiv(tick, spacing);
  if (lte) {
    const word = compressed >> 8;
    if (word < state.wordLow || word > state.wordHigh) return undefined;
    const floorTick = word * 256 * spacing;
    const i = upperBound(state.ticks, compressed * spacing) - 1;
    if (i >= 0 && state.ticks[i]!.tick >= floorTick) return { next: state.ticks[i]!.tick, initialized: true, index: i };
    return { next: floorTick, initialized: false, index: -1 };
  }
  compressed += 1;
  const word = compressed >> 8;
  if (word < state.wordLow || word > state.wordHigh) return undefined;
  const ceilTick = (word * 256 + 255) * spacing;
  const i = upperBound(state.ticks, compressed * spacing - 1);
  if (i < state.ticks.length && state.ticks[i]!.tick <= ceilTick) return { next: state.ticks[i]!.tick, initialized: true, index: i };
  return { next: ceilTick, initialized: false, index: -1 };
}

export interface V3SwapResult {
  /** What the pool takes: less than asked when it runs out of liquidity. */
  amountIn: bigint;
  amountOut: bigint;
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  /** Initialized ticks crossed. */
  crossed: number;
}

/**
 * UniswapV3Pool.swap for an exact input with the extreme price limit, as FlashArbitrage sends it. Undefined when
 * the swap would need a bitmap word that was not read while it still has liquidity.
 */
export function swapExactInput(state: V3State, zeroForOne: boolean, amountSpecified: bigint, { withTick = true } = {}): V3SwapResult | undefined {
  const limit = zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
  const fee = BigInt(state.fee);
  let remaining = amountSpecified;
  let calculated = 0n;
  let sqrtP = state.sqrtPriceX96;
  let tick = state.tick;
  let liquidity = state.liquidity;
  let crossed = 0;
  while (remaining !== 0n && sqrtP !== limit) {
    const found = nextInitializedTick(state, tick, zeroForOne);
    if (!found) {
      // Out of liquidity at the edge of the words read: taken as dry all the way, where the pool's swap goes to the
      // price limit for nothing (a position further out would show in the simulation, which has the last word).
      if (liquidity !== 0n) return undefined;
      sqrtP = limit;
      tick = withTick ? getTickAtSqrtRatio(limit) : Number.NaN;
      break;
    }
    let tickNext = found.next;
    if (tickNext < MIN_TICK) tickNext = MIN_TICK;
    else if (tickNext > MAX_TICK) tickNext = MAX_TICK;
    const sqrtNextTick = getSqrtRatioAtTick(tickNext);
    const target = (zeroForOne ? sqrtNextTick < limit : sqrtNextTick > limit) ? limit : sqrtNextTick;
    const start = sqrtP;
    const step = computeSwapStep(sqrtP, target, liquidity, remaining, fee);
    sqrtP = step.sqrtNext;
    remaining -= step.amountIn + step.feeAmount;
    calculated += step.amountOut;
    if (sqrtP === sqrtNextTick) {
      if (found.initialized) {
        let net = state.ticks[found.index]!.liquidityNet;
        if (zeroForOne) net = -net;
        liquidity += net;
        crossed++;
      }
      tick = zeroForOne ? tickNext - 1 : tickNext;
    } else if (sqrtP !== start) {
      // Only the last step ends between ticks; sizing asks for amounts only and skips this search.
      tick = withTick ? getTickAtSqrtRatio(sqrtP) : Number.NaN;
    }
  }
  return { amountIn: amountSpecified - remaining, amountOut: calculated, sqrtPriceX96: sqrtP, tick, liquidity, crossed };
}

/** The flash() fee of a V3 pool: FullMath.mulDivRoundingUp(amount, fee, 1e6). */
export function v3FlashFee(amount: bigint, fee: number): bigint {
  return mulDivUp(amount, BigInt(fee), FEE_DENOMINATOR);
}
