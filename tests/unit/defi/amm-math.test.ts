import { describe, expect, it } from 'vitest';
import { amountOut, compose, cycleProfit, legOutputs, optimalInput, sqrt, uniswapV2FlashRepay, type Leg } from '../../../defi/amm-math.js';

const e18 = 10n ** 18n;

/** A deterministic pseudo-random stream, so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('constant-product math', () => {
  it('pays out what UniswapV2Library.getAmountOut computes (997/1000 is 30 bps)', () => {
    const uniswap = (x: bigint, rin: bigint, rout: bigint) => (x * 997n * rout) / (rin * 1000n + x * 997n);
    const next = rng(1);
    for (let i = 0; i < 500; i++) {
      const [x, rin, rout] = [BigInt(Math.floor(next() * 1e12)) * 10n ** 9n + 1n, BigInt(Math.floor(next() * 1e9) + 1) * e18, BigInt(Math.floor(next() * 1e9) + 1) * 10n ** 6n];
      expect(amountOut(x, rin, rout, 30)).toBe(uniswap(x, rin, rout));
    }
    expect(amountOut(0n, e18, e18, 30)).toBe(0n);
    expect(amountOut(e18, 0n, e18, 30)).toBe(0n);
  });

  it('composes legs into a Möbius map that matches the chain of swaps up to floors', () => {
    const legs: Leg[] = [
      { reserveIn: 100n * e18, reserveOut: 210_000n * e18, feeBps: 30 },
      { reserveIn: 200_000n * e18, reserveOut: 100n * e18, feeBps: 25 },
      { reserveIn: 90n * e18, reserveOut: 95n * e18, feeBps: 30 },
    ];
    const { a, b, c } = compose(legs);
    const x = 3n * e18;
    const exact = legOutputs(x, legs).at(-1)!;
    const continuous = (a * x) / (b + c * x);
    expect(continuous - exact).toBeGreaterThanOrEqual(0n);
    expect(continuous - exact).toBeLessThan(5n);
  });

  it('GIVEN random two- and three-pool cycles THEN the closed form beats every input of a dense grid around it', () => {
    const next = rng(7);
    let checked = 0;
    for (let i = 0; i < 200; i++) {
      const hops = i % 2 ? 2 : 3;
      const legs: Leg[] = Array.from({ length: hops }, () => {
        const r = BigInt(Math.floor(next() * 1e6) + 1000) * e18;
        return { reserveIn: r, reserveOut: (r * BigInt(Math.floor(900 + next() * 250))) / 1000n, feeBps: [30, 25, 20][Math.floor(next() * 3)]! };
      });
      const best = optimalInput(legs);
      if (best === 0n) {
        // Nothing profits: no input of the grid may either.
        for (let k = 1n; k <= 100n; k++) expect(cycleProfit((legs[0]!.reserveIn * k) / 1000n, legs)).toBeLessThanOrEqual(0n);
        continue;
      }
      checked++;
      const top = cycleProfit(best, legs);
      expect(top).toBeGreaterThan(0n);
      for (const permille of [900n, 950n, 990n, 999n, 1001n, 1010n, 1050n, 1100n]) expect(cycleProfit((best * permille) / 1000n, legs)).toBeLessThan(top);
      // Each swap floors, so at wei scale the profit jitters by a few wei: nothing nearby beats the optimum by more.
      for (const wei of [-1000n, -3n, 3n, 1000n]) expect(cycleProfit(best + wei, legs)).toBeLessThanOrEqual(top + 3n);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('floors square roots exactly and prices a Uniswap V2 flash swap at ceil(x·1000/997)', () => {
    for (const v of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 10n ** 40n, 10n ** 40n - 1n, 2n ** 255n]) {
      const r = sqrt(v);
      expect(r * r <= v && (r + 1n) * (r + 1n) > v).toBe(true);
    }
    expect(uniswapV2FlashRepay(997n)).toBe(1000n);
    expect(uniswapV2FlashRepay(998n)).toBe(1002n);
    // The pair's invariant: (reserve − x + repay)·1000 − repay·3 ≥ reserve·1000.
    const x = 123_456_789n * e18;
    const repay = uniswapV2FlashRepay(x);
    expect(repay * 997n >= x * 1000n && (repay - 1n) * 997n < x * 1000n).toBe(true);
  });
});
