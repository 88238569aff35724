import { Contract, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnknownTokenError } from '../../defi/registry.js';
import { deployFlashArbitrage } from '../../defi/devnet.js';
import { Engine, type EngineOptions } from '../../defi/engine.js';
import { execute } from '../../defi/executor.js';
import type { Opportunity } from '../../defi/opportunity.js';
import type { PoolsFile } from '../../defi/pools-file.js';
import { simulate } from '../../defi/simulate.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { ERC20, GAPS, startDevnet, tradeThroughRouters } from '../support/devnet.js';

// The engine against Anvil with the official Uniswap V2 factory, pairs and router, and a real Balancer V2 vault.

const e18 = 10n ** 18n;
const loose = { minProfit: '0', maxPoolSharePercent: 50, maxGasPriceGwei: 1000, tokenCaps: {} };

describe('DeFi engine on Anvil with real Uniswap V2 contracts', () => {
  let net: Awaited<ReturnType<typeof startDevnet>>;
  const open = (pools: PoolsFile, extra: Partial<EngineOptions> = {}) => Engine.open({ rpcUrl: net.url, pools, risk: loose, simulateTop: 20, ...extra });
  // A plain signer: the deployer's nonce manager would not know that evm_revert rolled its nonce back.
  const trader = () => net.provider.getSigner(0);
  const routerHops = (o: Opportunity) => {
    const router = (dex: string) => net.dexes.find((d) => d.name === dex)!.router;
    return o.dexes.map((dex, i) => ({ router: router(dex), from: net.tokens[o.path[i]!]!, to: net.tokens[o.path[i + 1]!]! }));
  };

  beforeAll(async () => {
    net = await startDevnet(GAPS);
    // The trader who checks the engine's numbers through the routers needs WETH of its own.
    await (await new Contract(net.tokens.WETH!, ['function deposit() payable'], net.deployer).deposit!({ value: 1000n * e18 })).wait();
  }, 60_000);
  afterAll(() => net?.stop());

  it('GIVEN pools with known gaps THEN the optimal input and profit equal what the routers pay on chain, to the wei, and ±1 % earns less', async () => {
    const engine = await open(net.poolsFile);
    try {
      const scan = await engine.scan();
      const twoPool = scan.opportunities.filter((o) => o.path.length === 3);
      expect(twoPool.map((o) => `${o.pair.join('/')} ${o.buyDex}→${o.sellDex}`).sort()).toEqual(['WETH/TKA sushi→uni', 'WETH/TKB uni→sushi']);
      for (const o of twoPool) {
        expect(o.flashLoan).toBe('balancer-v2');
        expect(o.flashLoanFee).toBe('0');
        expect(BigInt(o.netProfit)).toBe(BigInt(o.profit) - BigInt(o.gasCost));
        const amountIn = BigInt(o.amountIn);
        const yieldOf = (x: bigint) => net.snapshot(async () => (await tradeThroughRouters(await trader(), routerHops(o), x)) - x);
        expect(await yieldOf(amountIn)).toBe(BigInt(o.profit));
        expect(await yieldOf((amountIn * 101n) / 100n)).toBeLessThan(BigInt(o.profit));
        expect(await yieldOf((amountIn * 99n) / 100n)).toBeLessThan(BigInt(o.profit));
      }
    } finally {
      engine.close();
    }
    // Twelve router trades, each mined and awaited: on a busy two-core machine that alone can take half a minute.
  }, 120_000);

  it('GIVEN no gap, a gap below the swap fees, or a gap below fees + gas THEN nothing is reported, and the last says why', async () => {
    const engine = await open(net.poolsFile);
    try {
      const scan = await engine.scan();
      const reported = scan.opportunities.flatMap((o) => o.path);
      for (const symbol of ['TKC', 'TKD', 'TKE']) expect(reported).not.toContain(symbol);
      const tkd = scan.rejected.filter((r) => r.id.startsWith('tkd-'));
      expect(tkd.length).toBeGreaterThan(0);
      expect(tkd.every((r) => /does not cover/.test(r.reason))).toBe(true);
      expect(scan.rejected.some((r) => r.id.startsWith('tkc-') || r.id.startsWith('tke-'))).toBe(false);
    } finally {
      engine.close();
    }
  });

  it('GIVEN a deployed FlashArbitrage THEN the trade runs atomically: the owner gains the simulated profit, or nothing moves', async () => {
    const wallet = Wallet.createRandom().connect(net.provider);
    await net.provider.send('anvil_setBalance', [wallet.address, `0x${(10n * e18).toString(16)}`]);
    const contract = await deployFlashArbitrage(wallet);
    const target = { contract, from: wallet.address };
    // Without a Balancer vault, the loan comes from a Uniswap V2 flash swap of another WETH pair.
    const engine = await open({ ...net.poolsFile, flashLoans: { uniswapV2: true, uniswapV3: true } }, { target });
    const weth = new Contract(net.tokens.WETH!, ERC20, net.provider);
    try {
      await net.snapshot(async () => {
        const { opportunities } = await engine.scan();
        const o = opportunities.find((x) => x.pair[1] === 'TKA' && x.path.length === 3)!;
        expect(o.flashLoan).toBe('uniswap-v2');
        expect(BigInt(o.flashLoanFee)).toBe((BigInt(o.amountIn) * 1000n + 996n) / 997n - BigInt(o.amountIn));

        // Asked for more profit than there is, the whole transaction reverts: no pool moves.
        const cycle = engine.cycle(o.id)!;
        const plan = { cycle, amountIn: BigInt(o.amountIn), loan: { source: o.flashLoan, lender: o.lender, fee: BigInt(o.flashLoanFee) }, minProfit: 10n ** 30n };
        const refused = await simulate(engine.provider, plan, target, 'latest');
        expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/^NotProfitable\(/) });

        const before = (await weth.balanceOf!(wallet.address)) as bigint;
        const result = await execute(engine, { key: wallet.privateKey, contract }, o.id);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const gained = ((await weth.balanceOf!(wallet.address)) as bigint) - before;
        expect(gained).toBe(BigInt(result.opportunity.profit) - BigInt(result.opportunity.flashLoanFee));
        expect(result.profit).toBe(gained);
        expect((await weth.balanceOf!(contract)) as bigint).toBe(0n);
        // The gap is gone: the same cycle is no longer an opportunity.
        const after = await engine.scan();
        expect(after.opportunities.find((x) => x.id === o.id)).toBeUndefined();
      });
    } finally {
      engine.close();
    }
  });

  it('GIVEN a risk limit the trade breaks THEN the executor refuses and sends nothing', async () => {
    const wallet = Wallet.createRandom().connect(net.provider);
    await net.provider.send('anvil_setBalance', [wallet.address, `0x${e18.toString(16)}`]);
    const contract = await deployFlashArbitrage(wallet);
    const engine = await open(net.poolsFile, { risk: { ...loose, maxPoolSharePercent: 0.01, tokenCaps: { WETH: '0.5' } }, target: { contract, from: wallet.address } });
    try {
      const o = (await engine.scan()).opportunities.find((x) => x.pair[1] === 'TKA')!;
      expect(o.risk.ok).toBe(false);
      const nonce = await net.provider.getTransactionCount(wallet.address);
      const result = await execute(engine, { key: wallet.privateKey, contract }, o.id);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.refused).toMatch(/^risk check failed: .*% of its reserve \(limit 0\.01 %\).*over the cap of 500000000000000000/);
      expect(await net.provider.getTransactionCount(wallet.address)).toBe(nonce);
    } finally {
      engine.close();
    }
  });

  it('GIVEN a reverting pool and a pool with zero reserves THEN the scan names them and still finds the rest', async () => {
    await net.snapshot(async () => {
      const factory = new Contract(net.dexes[0]!.factory, ['function createPair(address,address) returns (address)'], await trader());
      await (await factory.createPair!(net.tokens.WETH!, net.tokens.TKF!)).wait();
      const engine = await open({ ...net.poolsFile, pairs: [...net.poolsFile.pairs, ['WETH', 'TKF']] });
      try {
        const reverting = engine.registry.poolsOf(engine.registry.token('WETH'), engine.registry.token('TKB'))[0]!.address;
        await net.provider.send('anvil_setCode', [reverting, '0xfe']);
        const empty = engine.registry.poolsOf(engine.registry.token('WETH'), engine.registry.token('TKF'))[0]!.address;
        const scan = await engine.scan();
        expect(scan.unreadable.sort()).toEqual([reverting, empty].sort());
        expect(scan.opportunities.map((o) => o.pair.join('/'))).toContain('WETH/TKA');
        expect(scan.opportunities.some((o) => o.pools.includes(reverting))).toBe(false);
        expect(engine.registry.missing).toEqual([]);
      } finally {
        engine.close();
      }
    });
  });

  it('GIVEN unknown tokens or a dead RPC THEN opening fails with a message that says which', async () => {
    await expect(open({ ...net.poolsFile, pairs: [['WETH', 'NOPE']] })).rejects.toThrow(UnknownTokenError);
    await expect(open({ ...net.poolsFile, pairs: [['WETH', 'NOPE']] })).rejects.toThrow(/^pairs\[0\]: unknown token "NOPE" — add it to "tokens" or use its address; known: WETH, TKA/);
    const dead = `http://127.0.0.1:${await freePort()}/v3/5921b106850737afb735f62216dca21b`;
    const failure = Engine.open({ rpcUrl: dead, pools: net.poolsFile, risk: loose, simulateTop: 1 });
    await expect(failure).rejects.toThrow(/^RPC 127\.0\.0\.1:\d+ failed: /);
    await expect(failure).rejects.not.toThrow(/5921b106/);
  });
});
