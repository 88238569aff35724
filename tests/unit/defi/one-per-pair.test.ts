import { describe, expect, it } from 'vitest';
import { onePerPair } from '../../../defi/engine.js';
import type { Opportunity } from '../../../defi/opportunity.js';

const finding = (id: string, pair: [string, string], netProfit: string): Opportunity => ({
  id, block: 7, at: 0, pair, path: [pair[0], pair[1], pair[0]], dexes: ['a', 'b'], pools: [`0x${id}`, `0x${id}2`], buyDex: 'a', sellDex: 'b',
  baseToken: { symbol: 'WETH', address: '0x1', decimals: 18 }, amountIn: '100', amountOut: '110', profit: '10', flashLoan: 'uniswap-v3', lender: '0x9',
  flashLoanFee: '1', gasUnits: '1', gasPrice: '1', gasCost: '1', netProfit, simulated: true, risk: { ok: true, reasons: [] },
});

describe('one finding per pair and block', () => {
  it('GIVEN three cycles of one pair and one of another THEN the best of each is posted, with the others inside it best first', () => {
    const out = onePerPair([finding('a', ['WETH', 'TKA'], '5'), finding('b', ['WETH', 'TKB'], '3'), finding('c', ['WETH', 'TKA'], '9'), finding('d', ['WETH', 'TKA'], '7')]);
    expect(out.map((o) => o.id)).toEqual(['c', 'b']);
    expect(out[0]!.runnersUp?.map((r) => [r.id, r.netProfit])).toEqual([['d', '7'], ['a', '5']]);
    expect(out[1]!.runnersUp).toBeUndefined();
  });
});
