import { Contract, Wallet, type Signer } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlashArbitrage, v3PoolKey, type DevnetSpec } from '../../defi/devnet.js';
import { Engine, type EngineOptions } from '../../defi/engine.js';
import { execute } from '../../defi/executor.js';
import type { Opportunity } from '../../defi/opportunity.js';
import { parsePoolsFile, type PoolsFile } from '../../defi/pools-file.js';
import { swapExactInput } from '../../defi/v3-math.js';
import { readV3States } from '../../defi/v3-read.js';
import { simulate } from '../../defi/simulate.js';
import { ERC20, startDevnet } from '../support/devnet.js';

// The engine against Anvil with the official Uniswap V3 factory, pools, SwapRouter and QuoterV2 (npm build
// artifacts) next to the official Uniswap V2 contracts. Every number the engine reports is checked against swaps
// the real contracts make.

const e18 = 10n ** 18n;
/** Many transactions through the routers: generous on a busy 2-core machine. */
const HEAVY = 240_000;
const loose = { minProfit: '0', maxPoolSharePercent: 100, maxGasPriceGwei: 1000, tokenCaps: {} };

/** A wide range and three narrow ones around the price: a trade of a few ticks crosses several initialized ticks. */
const STACKED = [{ below: 3000, above: 3000, liquidity: 5n * 10n ** 21n }, ...[20, 60, 120].map((width) => ({ below: width, above: width, liquidity: 10n ** 22n }))];

const SPEC: DevnetSpec = {
  tokens: [
    ...['TKA', 'TKB', 'TKC', 'TKD', 'TKE', 'TKZ'].map((symbol) => ({ symbol, decimals: 18 })),
    { symbol: 'USDC', decimals: 6 },
    { symbol: 'WBTC', decimals: 8 },
  ],
  dexes: ['uni'],
  pools: [
    // V2 sides of the V2 ↔ V3 cycles: TKB dearer on V3, TKC dearer on V2, TKD far off and deep, USDC with 6 decimals.
    { dex: 'uni', pair: ['WETH', 'TKB'], reserves: [100n * e18, 20_000n * e18] },
    { dex: 'uni', pair: ['WETH', 'TKC'], reserves: [100n * e18, 20_600n * e18] },
    { dex: 'uni', pair: ['WETH', 'TKD'], reserves: [1000n * e18, 2_000_000n * e18] },
    { dex: 'uni', pair: ['WETH', 'USDC'], reserves: [100n * e18, 200_000n * 10n ** 6n] },
  ],
  v3: {
    dexes: ['uni3'],
    pools: [
      // V3 ↔ V3 across two fee tiers, 3 % apart, with stacked ranges: the trade crosses initialized ticks in both.
      { dex: 'uni3', pair: ['WETH', 'TKA'], fee: 500, price: [e18, 2000n * e18], positions: STACKED },
      { dex: 'uni3', pair: ['WETH', 'TKA'], fee: 3000, price: [e18, 2060n * e18], positions: STACKED },
      { dex: 'uni3', pair: ['WETH', 'TKB'], fee: 3000, price: [e18, 206n * e18], positions: [{ below: 3000, above: 3000, liquidity: 5n * 10n ** 21n }, { below: 100, above: 100, liquidity: 2n * 10n ** 22n }] },
      { dex: 'uni3', pair: ['WETH', 'TKC'], fee: 500, price: [e18, 200n * e18], positions: [{ below: 3000, above: 3000, liquidity: 5n * 10n ** 21n }, { below: 100, above: 100, liquidity: 2n * 10n ** 22n }] },
      // One narrow range only: the trade runs the pool out of liquidity.
      { dex: 'uni3', pair: ['WETH', 'TKD'], fee: 3000, price: [e18, 2200n * e18], positions: [{ below: 60, above: 60, liquidity: 10n ** 21n }] },
      // 6 and 8 decimals.
      { dex: 'uni3', pair: ['WETH', 'USDC'], fee: 500, price: [e18, 2050n * 10n ** 6n], positions: [{ below: 4000, above: 4000, liquidity: 5n * 10n ** 15n }, { below: 200, above: 200, liquidity: 2n * 10n ** 16n }] },
      { dex: 'uni3', pair: ['WETH', 'WBTC'], fee: 500, price: [20n * e18, 10n ** 8n], positions: [{ below: 3000, above: 3000, liquidity: 3n * 10n ** 14n }, { below: 100, above: 100, liquidity: 10n ** 15n }] },
      { dex: 'uni3', pair: ['WETH', 'WBTC'], fee: 3000, price: [20n * e18, 103n * 10n ** 6n], positions: [{ below: 3000, above: 3000, liquidity: 3n * 10n ** 14n }, { below: 100, above: 100, liquidity: 10n ** 15n }] },
      // 0.2 % apart: below the two fees (0.05 % + 0.3 %).
      { dex: 'uni3', pair: ['WETH', 'TKE'], fee: 500, price: [e18, 1000n * e18], positions: [{ below: 3000, above: 3000, liquidity: 10n ** 22n }] },
      { dex: 'uni3', pair: ['WETH', 'TKE'], fee: 3000, price: [e18, 1002n * e18], positions: [{ below: 3000, above: 3000, liquidity: 10n ** 22n }] },
      // A deep pool outside every cycle, at the cheapest tier: the flash lender.
      { dex: 'uni3', pair: ['WETH', 'TKZ'], fee: 500, price: [e18, e18], positions: [{ below: 5000, above: 5000, liquidity: 10n ** 23n }] },
    ],
  },
};

/** Set, not estimated: a swap that runs a pool dry walks many empty bitmap words, and estimates miss the 63/64 rule. */
const GAS = 30_000_000n;
const V2_ROUTER = ['function swapExactTokensForTokens(uint256,uint256,address[],address,uint256) returns (uint256[])'];
const V3_ROUTER = ['function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 deadline, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96)) payable returns (uint256)'];
const QUOTER = ['function quoteExactInputSingle((address tokenIn, address tokenOut, uint256 amountIn, uint24 fee, uint160 sqrtPriceLimitX96)) returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate)'];

describe('DeFi engine on Anvil with the official Uniswap V3 contracts', () => {
  let net: Awaited<ReturnType<typeof startDevnet>>;
  const open = (pools: PoolsFile = net.poolsFile, extra: Partial<EngineOptions> = {}) => Engine.open({ rpcUrl: net.url, pools, risk: loose, simulateTop: 40, ...extra });
  const trader = () => net.provider.getSigner(0);

  /** Waits for a transaction's receipt by asking the node (Anvil mines at once); throws if it reverted. */
  async function mined(sent: Promise<{ hash: string }>): Promise<void> {
    const { hash } = await sent;
    for (;;) {
      const receipt = (await net.provider.send('eth_getTransactionReceipt', [hash])) as { status: string } | null;
      if (receipt) {
        if (receipt.status !== '0x1') throw new Error(`transaction ${hash} reverted`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Runs `amountIn` of WETH around the opportunity's pools through the official routers; returns the trader's WETH gain. */
  async function routerYield(signer: Signer, o: Opportunity, amountIn: bigint): Promise<bigint> {
    const me = await signer.getAddress();
    const weth = new Contract(net.tokens.WETH!, ERC20, signer);
    const before = (await weth.balanceOf!(me)) as bigint;
    let amount = amountIn;
    for (const [i, label] of o.dexes.entries()) {
      const [from, to] = [net.tokens[o.path[i]!]!, net.tokens[o.path[i + 1]!]!];
      const out = new Contract(to, ERC20, signer);
      const had = (await out.balanceOf!(me)) as bigint;
      const fee = /^uni3 /.test(label) ? Math.round(Number(label.split(' ')[1]!.replace('%', '')) * 10_000) : undefined;
      const router = fee === undefined ? net.dexes[0]!.router : net.v3Dexes[0]!.router;
      await mined(new Contract(from, ERC20, signer).approve!(router, amount));
      if (fee === undefined) await mined(new Contract(router, V2_ROUTER, signer).swapExactTokensForTokens!(amount, 0n, [from, to], me, 2n ** 40n, { gasLimit: GAS }));
      else await mined(new Contract(router, V3_ROUTER, signer).exactInputSingle!({ tokenIn: from, tokenOut: to, fee, recipient: me, deadline: 2n ** 40n, amountIn: amount, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n }, { gasLimit: GAS }));
      amount = ((await out.balanceOf!(me)) as bigint) - had;
    }
    return ((await weth.balanceOf!(me)) as bigint) - before;
  }

  beforeAll(async () => {
    net = await startDevnet(SPEC);
    await mined(new Contract(net.tokens.WETH!, ['function deposit() payable'], net.deployer).deposit!({ value: 2000n * e18 }));
  }, 120_000);
  afterAll(() => net?.stop());

  it('GIVEN real V3 pools THEN the exact swap math equals the QuoterV2 and the pool itself, crossing ticks and running out of liquidity', async () => {
    const quoter = new Contract(net.v3Dexes[0]!.quoter, QUOTER, net.provider);
    const cases: [string, number, string, string, bigint[]][] = [
      ['TKA', 3000, 'WETH', 'TKA', [10n ** 12n, e18, 20n * e18, 200n * e18]],
      ['TKA', 500, 'TKA', 'WETH', [10n ** 15n, 5000n * e18, 400_000n * e18]],
      ['TKD', 3000, 'WETH', 'TKD', [e18, 1000n * e18]],
      ['WBTC', 500, 'WBTC', 'WETH', [1000n, 10n ** 8n, 20n * 10n ** 8n]],
      ['USDC', 500, 'WETH', 'USDC', [3n * e18, 40n * e18]],
    ];
    let crossedTwo = false;
    let ranOut = false;
    for (const [token, fee, tokenIn, tokenOut, amounts] of cases) {
      const address = net.pools[v3PoolKey('uni3', fee, 'WETH', token)]!;
      const [state] = await readV3States(net.provider, [{ address, fee, tickSpacing: fee === 500 ? 10 : 60 }], net.tokens.WETH!);
      expect(state, `${token} ${fee} read`).toBeDefined();
      const zeroForOne = net.tokens[tokenIn]!.toLowerCase() < net.tokens[tokenOut]!.toLowerCase();
      for (const amountIn of amounts) {
        const mine = swapExactInput(state!, zeroForOne, amountIn)!;
        expect(mine, `${tokenIn}→${tokenOut} ${amountIn} stays in the read ticks`).toBeDefined();
        const [amountOut, sqrtAfter, crossed] = (await quoter.quoteExactInputSingle!.staticCall({ tokenIn: net.tokens[tokenIn], tokenOut: net.tokens[tokenOut], amountIn, fee, sqrtPriceLimitX96: 0n })) as [bigint, bigint, bigint];
        // (QuoterV2's count of ticks crossed is off by one at range ends; the pool's own tick and liquidity are checked below.)
        expect([mine.amountOut, mine.sqrtPriceX96], `${tokenIn}→${tokenOut} ${amountIn} at ${fee}`).toEqual([amountOut, sqrtAfter]);
        void crossed;
        crossedTwo ||= mine.crossed >= 2;
        ranOut ||= mine.amountIn < amountIn && mine.liquidity === 0n;
        // The pool itself, through the official router: what the trader receives and what it pays.
        await net.snapshot(async () => {
          const signer = await trader();
          const me = await signer.getAddress();
          const [inToken, outToken] = [new Contract(net.tokens[tokenIn]!, ERC20, signer), new Contract(net.tokens[tokenOut]!, ERC20, signer)];
          const [paid0, got0] = [(await inToken.balanceOf!(me)) as bigint, (await outToken.balanceOf!(me)) as bigint];
          await mined(inToken.approve!(net.v3Dexes[0]!.router, amountIn));
          await mined(new Contract(net.v3Dexes[0]!.router, V3_ROUTER, signer).exactInputSingle!({ tokenIn: net.tokens[tokenIn], tokenOut: net.tokens[tokenOut], fee, recipient: me, deadline: 2n ** 40n, amountIn, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n }, { gasLimit: GAS }));
          expect(((await outToken.balanceOf!(me)) as bigint) - got0).toBe(mine.amountOut);
          const [after] = await readV3States(net.provider, [{ address, fee, tickSpacing: fee === 500 ? 10 : 60 }], net.tokens.WETH!);
          expect([after!.sqrtPriceX96, after!.tick, after!.liquidity]).toEqual([mine.sqrtPriceX96, mine.tick, mine.liquidity]);
          expect(paid0 - ((await inToken.balanceOf!(me)) as bigint)).toBe(mine.amountIn);
        });
      }
    }
    expect(crossedTwo).toBe(true);
    expect(ranOut).toBe(true);
  }, HEAVY);

  it('GIVEN V3↔V3, V2↔V3 both ways, a crossing trade, a pool run dry and 6/8-decimal tokens THEN each profit equals the routers\' yield at the reported input to the wei, and ±0.1 % earns no more', async () => {
    const engine = await open();
    try {
      const scan = await engine.scan();
      expect(scan.warnings).toEqual([]);
      const byPair = new Map(scan.opportunities.map((o) => [o.pair[1], o]));
      expect([...byPair.keys()].sort()).toEqual(['TKA', 'TKB', 'TKC', 'TKD', 'USDC', 'WBTC']);
      // One finding per pair, both ways round.
      expect(scan.opportunities.length).toBe(byPair.size);
      expect(byPair.get('TKA')!.dexes).toEqual(['uni3 0.3%', 'uni3 0.05%']);
      expect(byPair.get('TKB')!.dexes).toEqual(['uni3 0.3%', 'uni']);
      expect(byPair.get('TKC')!.dexes).toEqual(['uni', 'uni3 0.05%']);
      expect(byPair.get('TKD')!.dexes).toEqual(['uni3 0.3%', 'uni']);
      for (const o of scan.opportunities) {
        expect(o.flashLoan, o.pair.join('/')).toBe('uniswap-v3');
        // The cheapest tier's pool outside the cycle lends (a pool in the cycle is locked while it lends).
        expect(o.pools).not.toContain(o.lender);
        expect(Object.entries(net.pools).find(([, address]) => address === o.lender)?.[0]).toMatch(/^uni3@500:/);
        const amountIn = BigInt(o.amountIn);
        expect(BigInt(o.flashLoanFee)).toBe((amountIn * 500n + 999_999n) / 1_000_000n);
        const yieldOf = (x: bigint) => net.snapshot(async () => routerYield(await trader(), o, x));
        expect(await yieldOf(amountIn), `${o.pair.join('/')} ${o.dexes.join('→')}`).toBe(BigInt(o.profit));
        expect(await yieldOf((amountIn * 1001n) / 1000n), `${o.pair.join('/')} +0.1 %`).toBeLessThanOrEqual(BigInt(o.profit));
        expect(await yieldOf((amountIn * 999n) / 1000n), `${o.pair.join('/')} −0.1 %`).toBeLessThanOrEqual(BigInt(o.profit));
      }
      // The TKA trade crosses initialized ticks in both pools (three in the second).
      const v3 = await engine.v3States(scan.block);
      const hopOf = (o: Opportunity, i: number, amount: bigint) => {
        const pool = engine.registry.pools.find((p) => p.address === o.pools[i])!;
        return swapExactInput(v3.get(pool.address)!, pool.token0.symbol === o.path[i], amount)!;
      };
      const tka = byPair.get('TKA')!;
      const first = hopOf(tka, 0, BigInt(tka.amountIn));
      expect(first.crossed).toBeGreaterThanOrEqual(1);
      expect(hopOf(tka, 1, first.amountOut).crossed).toBeGreaterThanOrEqual(2);
      const tkd = byPair.get('TKD')!;
      // Its input takes the V3 pool to the end of its only range: 0.1 % more runs it dry, and the pool takes less than that.
      const more = (BigInt(tkd.amountIn) * 1001n) / 1000n;
      expect(hopOf(tkd, 0, more).liquidity).toBe(0n);
      expect(hopOf(tkd, 0, more).amountIn).toBeLessThan(more);
      // The gap below the fees is not reported, and not even a candidate.
      expect(scan.rejected.filter((r) => r.id.startsWith('tke-'))).toEqual([]);
    } finally {
      engine.close();
    }
  }, HEAVY);

  it('GIVEN a bad pools file THEN opening refuses it with the JSON path and the reason', async () => {
    const [v2, v3] = [net.poolsFile.dexes[0]!, net.poolsFile.dexes[1]!];
    await expect(open({ ...net.poolsFile, dexes: [v2, { ...v3, fees: [500, 3000, 2500] } as PoolsFile['dexes'][number]] })).rejects.toThrow(/^dexes\[1\]\.fees\[2\]: fee tier 2500 is not enabled by the factory \(its tick spacing is 0\)$/);
    await expect(open({ ...net.poolsFile, dexes: [v2, { ...v3, factory: v2.factory }] })).rejects.toThrow(/^dexes\[1\]\.factory: 0x[0-9a-fA-F]{40} is not a Uniswap V3 factory/);
    await expect(open({ ...net.poolsFile, dexes: [{ ...v2, factory: v3.factory }, v3] })).rejects.toThrow(/^dexes\[0\]\.factory: 0x[0-9a-fA-F]{40} is not a Uniswap V2 factory/);
    const text = JSON.stringify({ ...net.poolsFile, dexes: [v2, { ...v3, kind: 'curve' }] });
    expect(() => parsePoolsFile(text, 'pools.json')).toThrow(/^pools\.json: dexes\[1\]\.kind: unknown kind "curve": "uniswap-v2" \(the default\) or "uniswap-v3"$/);
    // Without a kind, a DEX is V2; a V3 DEX without fees watches the three usual tiers.
    const parsed = parsePoolsFile(JSON.stringify({ ...net.poolsFile, dexes: [{ name: 'a', factory: v2.factory }, { name: 'b', kind: 'uniswap-v3', factory: v3.factory }] }), 'pools.json');
    expect(parsed.dexes.map((d) => (d.kind === 'uniswap-v3' ? d.fees : d.kind))).toEqual(['uniswap-v2', [500, 3000, 10000]]);
  });

  it('GIVEN a V3 pool whose state cannot be read THEN the scan names it in its warnings and still finds the rest', async () => {
    await net.snapshot(async () => {
      const engine = await open();
      try {
        const broken = net.pools[v3PoolKey('uni3', 3000, 'WETH', 'TKB')]!;
        await net.provider.send('anvil_setCode', [broken, '0xfe']);
        const scan = await engine.scan();
        expect(scan.warnings).toEqual([expect.stringMatching(new RegExp(`^V3 pool ${broken} \\(uni3 WETH/TKB 0\\.3 %\\) could not be read`))]);
        expect(scan.unreadable).toEqual([broken]);
        expect(scan.opportunities.map((o) => o.pair[1]).sort()).toEqual(['TKA', 'TKC', 'TKD', 'USDC', 'WBTC']);
      } finally {
        engine.close();
      }
    });
  });

  it('GIVEN a deployed FlashArbitrage and a V3 flash loan THEN a V3 cycle runs atomically: the owner gains the simulated profit, or nothing moves', async () => {
    const wallet = Wallet.createRandom().connect(net.provider);
    await net.provider.send('anvil_setBalance', [wallet.address, `0x${(10n * e18).toString(16)}`]);
    const contract = await deployFlashArbitrage(wallet);
    const engine = await open(net.poolsFile, { target: { contract, from: wallet.address } });
    const weth = new Contract(net.tokens.WETH!, ERC20, net.provider);
    try {
      await net.snapshot(async () => {
        const o = (await engine.scan()).opportunities.find((x) => x.pair[1] === 'TKA')!;
        expect(o.flashLoan).toBe('uniswap-v3');
        // Asked for more profit than there is, the whole transaction reverts: no pool moves.
        const plan = { cycle: engine.cycle(o.id)!, amountIn: BigInt(o.amountIn), loan: { source: o.flashLoan, lender: o.lender, fee: BigInt(o.flashLoanFee) }, minProfit: 10n ** 30n };
        expect(await simulate(engine.provider, plan, { contract, from: wallet.address }, 'latest')).toMatchObject({ ok: false, reason: expect.stringMatching(/^NotProfitable\(/) });

        const before = (await weth.balanceOf!(wallet.address)) as bigint;
        const result = await execute(engine, { key: wallet.privateKey, contract }, o.id);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const gained = ((await weth.balanceOf!(wallet.address)) as bigint) - before;
        expect(gained).toBe(BigInt(result.opportunity.profit) - BigInt(result.opportunity.flashLoanFee));
        expect(result.profit).toBe(gained);
        expect((await weth.balanceOf!(contract)) as bigint).toBe(0n);
        const after = await engine.scan();
        expect(after.opportunities.find((x) => x.id === o.id)).toBeUndefined();
      });
    } finally {
      engine.close();
    }
  }, HEAVY);
});
