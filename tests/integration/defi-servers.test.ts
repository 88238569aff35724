import path from 'node:path';
import { Contract, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { uniswapV2FlashRepay } from '../../defi/amm-math.js';
import { formatAmount } from '../../defi/describe.js';
import { poolKey } from '../../defi/devnet.js';
import { Engine } from '../../defi/engine.js';
import type { Opportunity } from '../../defi/opportunity.js';
import type { RiskSettings } from '../../config/index.js';
import { ERC20, GAPS, ROUTER, startDevnet } from '../support/devnet.js';
import { ROOT, waitFor } from '../support/fleet.js';
import { startFleet } from '../support/host.js';

// The six DeFi MCP servers as fleet.yaml declares them, run by `fleetbot serve <name>` under the process backend and
// called through the MCP pool, against Anvil with the real Uniswap V2 contracts and a Balancer vault.

const members = loadConfig({ FLEET_FILE: path.join(ROOT, 'fleet.yaml') }, ROOT).manifest.members.filter((m) => m.tags.includes('defi'));
const text = (result: { content: unknown }) => (result.content as { text: string }[]).map((c) => c.text).join('\n');
type Structured<T> = { structuredContent?: T; isError?: boolean };

describe('DeFi MCP servers', () => {
  let net: Awaited<ReturnType<typeof startDevnet>>;
  let fleet: Awaited<ReturnType<typeof startFleet>>;
  let engine: Engine;
  let risk: RiskSettings;
  const call = async <T = Record<string, unknown>>(server: string, tool: string, args: Record<string, unknown> = {}) => {
    const result = (await fleet.pool.callTool(server, tool, args)) as Structured<T> & { content: unknown };
    if (result.isError) throw new Error(`${server}.${tool}: ${text(result)}`);
    return result.structuredContent!;
  };
  const pick = (o: Opportunity) => [o.id, o.amountIn, o.profit, o.flashLoan, o.flashLoanFee, o.gasUnits, o.netProfit, o.risk];

  beforeAll(async () => {
    net = await startDevnet(GAPS);
    const env = { RPC_URL: net.url, POOLS_FILE: net.writePoolsFile() };
    fleet = await startFleet(members, env);
    // What the servers answer is checked against the engine opened here with the same settings.
    const { defi } = loadConfig({ ...env, FLEET_FILE: path.join(ROOT, 'fleet.yaml') }, ROOT);
    risk = defi.risk;
    engine = await Engine.open({ rpcUrl: net.url, pools: defi.poolsFile!, risk, simulateTop: defi.simulateTop });
    await Promise.all(members.map((m) => waitFor(() => fleet.pool.ping(m.name, 1000).catch(() => undefined), { what: m.name })));
  }, 60_000);
  afterAll(async () => {
    engine?.close();
    await fleet?.close();
    await net?.stop();
  });

  it('GIVEN fleet.yaml THEN its DeFi members are the six servers', () => {
    expect(members.map((m) => m.name)).toEqual(['price-feed', 'liquidity', 'arbitrage', 'flash-loan', 'risk-manager', 'portfolio']);
  });

  it('GIVEN price-feed THEN a pair is priced on each DEX from its reserves, with the spread', async () => {
    const answer = await call<{ block: number; spreadPercent: number; quotes: { dex: string; pool: string; price: number }[] }>('price-feed', 'price', { base: 'weth', quote: 'TKA' });
    const quotes = await Promise.all(['uni', 'sushi'].map(async (dex) => ({ dex, ...(await net.reserves(dex, 'TKA')) })));
    const prices = quotes.map((q) => Number(q.token) / Number(q.weth));
    expect(answer.quotes.map((q) => [q.dex, q.pool])).toEqual(quotes.map((q) => [q.dex, net.pools[poolKey(q.dex, 'WETH', 'TKA')]]));
    answer.quotes.forEach((q, i) => expect(q.price).toBeCloseTo(prices[i]!, 9));
    expect(answer.spreadPercent).toBeCloseTo(((Math.max(...prices) - Math.min(...prices)) / Math.min(...prices)) * 100, 9);
    expect(answer.block).toBe(await net.provider.getBlockNumber());
  });

  it('GIVEN liquidity THEN pools show their reserves on chain, and a quote pays what the Uniswap router computes', async () => {
    const { pools } = await call<{ pools: { dex: string; pool: string; pair: string; reserve0: string; reserve1: string }[] }>('liquidity', 'pools');
    expect(pools.map((p) => p.pool).sort()).toEqual(Object.values(net.pools).sort());
    for (const p of pools) {
      const token = p.pair.split('/').find((s) => s !== 'WETH')!;
      const r = await net.reserves(p.dex, token);
      expect([p.reserve0, p.reserve1]).toEqual((p.pair.startsWith('WETH/') ? [r.weth, r.token] : [r.token, r.weth]).map((v) => formatAmount(v, 18)));
    }
    const { quotes } = await call<{ quotes: { dex: string; amountOut: string }[] }>('liquidity', 'quote', { sell: 'WETH', buy: 'TKA', amount: '1.5' });
    const routed = await Promise.all(
      net.dexes.map(async (d) => ({ dex: d.name, amountOut: formatAmount(((await new Contract(d.router, ROUTER, net.provider).getAmountsOut!(parseEther('1.5'), [net.tokens.WETH, net.tokens.TKA])) as bigint[])[1]!, 18) })),
    );
    expect(quotes.map(({ dex, amountOut }) => ({ dex, amountOut }))).toEqual(routed);
  });

  it('GIVEN arbitrage THEN its scan and its quote of one opportunity are what the engine finds', async () => {
    const { block, opportunities } = await call<{ block: number; opportunities: Opportunity[] }>('arbitrage', 'scan');
    const expected = (await engine.scan({ blockTag: block })).opportunities;
    expect(expected.length).toBeGreaterThan(0);
    expect(opportunities.map(pick)).toEqual(expected.map(pick));
    const { opportunity } = await call<{ opportunity: Opportunity }>('arbitrage', 'quote_opportunity', { id: expected[0]!.id });
    expect(pick(opportunity)).toEqual(pick(expected[0]!));
    const unknown = await fleet.pool.callTool('arbitrage', 'quote_opportunity', { id: 'nope' });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toBe(`no cycle "nope" among the ${engine.cycles.length} watched`);
  });

  it('GIVEN flash-loan THEN every source that can lend is listed with its fee and what it holds, cheapest first', async () => {
    const { sources } = await call<{ sources: { source: string; lender: string; available: string; fee: string }[] }>('flash-loan', 'sources', { amount: '10' });
    const vaultHolds = (await new Contract(net.tokens.WETH!, ERC20, net.provider).balanceOf!(net.vault)) as bigint;
    const pairs = await Promise.all(
      Object.entries(net.pools).map(async ([key, pool]) => {
        const [dex, pair] = key.split(':') as [string, string];
        return { pool, depth: (await net.reserves(dex, pair.split('/').find((s) => s !== 'WETH')!)).weth };
      }),
    );
    const able = pairs.filter((p) => p.depth > parseEther('10'));
    expect(sources[0]).toEqual({ source: 'balancer-v2', lender: net.vault, available: String(vaultHolds), fee: '0' });
    expect(sources.slice(1).map((s) => s.lender).sort()).toEqual(able.map((p) => p.pool).sort());
    for (const s of sources.slice(1)) {
      expect(s.source).toBe('uniswap-v2');
      expect(s.fee).toBe(String(uniswapV2FlashRepay(parseEther('10')) - parseEther('10')));
      expect(s.available).toBe(String(able.find((p) => p.pool === s.lender)!.depth));
    }
  });

  it('GIVEN risk-manager THEN it states the limits, and checks an opportunity as the engine does', async () => {
    const limits = await call('risk-manager', 'limits');
    expect(limits).toEqual({ ...risk, execution: false });
    const [first] = (await engine.scan()).opportunities;
    const checked = await call<{ ok: boolean; reasons: string[]; opportunity: Opportunity }>('risk-manager', 'check', { id: first!.id });
    expect([checked.ok, checked.reasons]).toEqual([first!.risk.ok, first!.risk.reasons]);
    expect(pick(checked.opportunity)).toEqual(pick(first!));
  });

  it('GIVEN portfolio THEN an account holds, per watched token, what the chain says', async () => {
    const account = await net.deployer.getAddress();
    const answer = await call<{ native: string; tokens: { symbol: string; address: string; balance: string }[] }>('portfolio', 'balances', { address: account.toLowerCase() });
    expect(answer.tokens.map((t) => t.symbol)).toEqual(net.poolsFile.tokens.map((t) => t.symbol));
    for (const t of answer.tokens) {
      expect(t.balance).toBe(formatAmount((await new Contract(t.address, ERC20, net.provider).balanceOf!(account)) as bigint, 18));
    }
    expect(parseEther(answer.native)).toBe(await net.provider.getBalance(account));
  });

  it('GIVEN no RPC_URL or POOLS_FILE THEN every DeFi tool answers a tool error that says what to set', async () => {
    const bare = await startFleet(members);
    try {
      const calls: [string, string, Record<string, unknown>][] = [
        ['price-feed', 'price', { base: 'WETH', quote: 'TKA' }],
        ['liquidity', 'pools', {}],
        ['liquidity', 'quote', { sell: 'WETH', buy: 'TKA', amount: '1' }],
        ['arbitrage', 'scan', {}],
        ['arbitrage', 'quote_opportunity', { id: 'tka-0' }],
        ['flash-loan', 'sources', { amount: '1' }],
        ['risk-manager', 'check', { id: 'tka-0' }],
        ['portfolio', 'balances', { address: await net.deployer.getAddress() }],
      ];
      for (const [server, tool, args] of calls) {
        const result = await waitFor(() => bare.pool.callTool(server, tool, args).catch(() => undefined), { what: server });
        expect([`${server}.${tool}`, result.isError, text(result)]).toEqual([
          `${server}.${tool}`,
          true,
          'DeFi is not configured: set RPC_URL and POOLS_FILE (try `fleetbot devnet` for a local chain with pools)',
        ]);
      }
    } finally {
      await bare.close();
    }
  });
});
