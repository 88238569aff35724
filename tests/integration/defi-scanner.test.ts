import { Queue } from 'bullmq';
import { Contract } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastScan, rpcState as readRpcState } from '../../state/defi-scan.js';
import { poolKey } from '../../defi/devnet.js';
import { Engine, NOT_SIMULATED } from '../../defi/engine.js';
import type { Opportunity } from '../../defi/opportunity.js';
import { ERC20, GAPS, PAIR, startDevnet } from '../support/devnet.js';
import { member, waitFor } from '../support/fleet.js';
import { startRpcProxy } from '../support/rpc-proxy.js';
import { operator, startStack } from '../support/stack.js';

// The scanner agent as fleetbot runs it (its composition root, real Redis), watching Anvil with the real Uniswap V2
// contracts through an RPC endpoint that can go down; findings land on the notify queue, which a notifier would post.

const blockchain = member({
  name: 'blockchain',
  command: ['fleetbot', 'serve', 'blockchain'],
  env: { RPC_URL: '${RPC_URL}' },
  health: { tool: 'rpc_health', interval: '200ms', timeout: '1s', retries: 2, start_period: '0s' },
  restart: { policy: 'no' },
});

describe('the scanner agent', () => {
  let net: Awaited<ReturnType<typeof startDevnet>>;
  let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
  let s: Awaited<ReturnType<typeof startStack>>;
  let notify: Queue;
  let poolsFile: string;

  /** Opportunities posted to the findings channel, oldest first. */
  const posted = async (): Promise<Opportunity[]> =>
    (await notify.getJobs(['waiting', 'active', 'completed', 'delayed']))
      .filter((j) => j.name === 'finding' && j.data.type === 'opportunity')
      .sort((x, y) => Number(x.id) - Number(y.id))
      .map((j) => j.data.opportunity as Opportunity);
  /** Mines a block and waits until the scanner has scanned it. */
  const nextBlock = async () => {
    await net.provider.send('evm_mine', []);
    const block = await net.provider.getBlockNumber();
    return waitFor(async () => {
      const scan = await lastScan(s.hub);
      return scan && scan.block >= block ? scan : undefined;
    }, { what: `a scan of block ${block}` });
  };
  /** Moves a pool's price: gives it `amount` of `symbol` and syncs its reserves to its balances. */
  const give = async (dex: string, token: string, symbol: string, amount: bigint) => {
    const pool = net.pools[poolKey(dex, 'WETH', token)]!;
    await (await new Contract(net.tokens[symbol]!, ERC20, net.deployer).transfer!(pool, amount)).wait();
    await (await new Contract(pool, PAIR, net.deployer).sync!()).wait();
  };
  const blockchainRow = async () => (await s.dispatcher.dispatchLine('/status blockchain', operator, 'test')).table!.rows[0]!.cells;
  const rpcState = () => readRpcState(s.hub);

  beforeAll(async () => {
    net = await startDevnet(GAPS);
    // TKB's pools still answer getReserves, but its token no longer transfers: the math sees a 5 % gap that no
    // transaction could take, and only the simulation can tell.
    await net.provider.send('anvil_setCode', [net.tokens.TKB, '0xfe']);
    proxy = await startRpcProxy(net.url);
    poolsFile = net.writePoolsFile();
    s = await startStack([blockchain], { agents: ['ops', 'health', 'scanner'], env: { RPC_URL: proxy.url, POOLS_FILE: poolsFile, SCAN_INTERVAL: '50ms' } });
    notify = new Queue('notify', { connection: s.hub.client, prefix: s.hub.prefix });
  }, 60_000);
  afterAll(async () => {
    await notify?.close();
    await s?.stop();
    await proxy?.close();
    await net?.stop();
  });

  it('GIVEN gaps of every kind THEN it posts what the simulation confirmed, as the engine finds it, and nothing below fees + gas', async () => {
    const [first] = await waitFor(async () => ((await posted()).length ? posted() : undefined), { what: 'a finding' });
    const scan = (await lastScan(s.hub))!;
    expect(first!.block).toBe(scan.block);
    const engine = await Engine.open({ rpcUrl: net.url, pools: poolsFile, risk: s.config.defi.risk, simulateTop: s.config.defi.simulateTop });
    try {
      const expected = (await engine.scan({ blockTag: scan.block })).opportunities;
      const pick = (o: Opportunity) => [o.id, o.amountIn, o.profit, o.flashLoan, o.netProfit];
      expect((await posted()).map(pick)).toEqual(expected.map(pick));
    } finally {
      engine.close();
    }
    expect((await posted()).map((o) => o.pair.join('/'))).toEqual(['WETH/TKA']);
    const why = (symbol: string) => scan.rejected.filter((r) => r.id.startsWith(`${symbol}-`)).map((r) => r.reason);
    expect(why('tkb')).toEqual([expect.stringMatching(/^simulation reverted: /)]);
    expect(why('tkd').length).toBeGreaterThan(0);
    expect(why('tkd').every((reason) => /^profit \d+ does not cover the loan fee \d+ and gas$/.test(reason))).toBe(true);
    expect([...why('tkc'), ...why('tke')]).toEqual([]);
  });

  it('GIVEN a posted opportunity THEN the next block does not post it again, but it is posted again once it grows', async () => {
    const [before] = await waitFor(async () => ((await posted()).length ? posted() : undefined), { what: 'a finding' });
    await nextBlock();
    await nextBlock();
    expect(await posted()).toHaveLength(1);

    // TKA's gap widens: the sushi pair gets 10,000 TKA more.
    await give('sushi', 'TKA', 'TKA', 10_000n * 10n ** 18n);
    const all = await waitFor(async () => ((await posted()).length === 2 ? posted() : undefined), { what: 'the grown opportunity' });
    expect(all[1]!.id).toBe(before!.id);
    expect(BigInt(all[1]!.netProfit)).toBeGreaterThan((BigInt(before!.netProfit) * 11n) / 10n);
  });

  it('GIVEN a pool that starts reverting THEN the scanner keeps scanning, names it, and drops what went through it', async () => {
    const pool = net.pools[poolKey('uni', 'WETH', 'TKA')]!;
    const code = (await net.provider.getCode(pool)) as string;
    await net.provider.send('anvil_setCode', [pool, '0xfe']);
    try {
      const scan = await nextBlock();
      expect(scan.unreadable).toEqual([pool]);
      expect(scan.opportunities.filter((o) => o.pools.includes(pool))).toEqual([]);
      expect((await nextBlock()).block).toBeGreaterThan(scan.block);
    } finally {
      await net.provider.send('anvil_setCode', [pool, code]);
    }
    const healed = await nextBlock();
    expect(healed.unreadable).toEqual([]);
    expect(healed.opportunities.map((o) => o.pair.join('/'))).toEqual(['WETH/TKA']);
  });

  it('GIVEN the RPC goes down THEN /status shows the blockchain member unhealthy with why, the scanner keeps trying, and both recover', async () => {
    await waitFor(async () => ((await blockchainRow())[2] === 'healthy' ? true : undefined), { what: 'blockchain healthy' });
    await proxy.down();
    try {
      const row = await waitFor(async () => {
        const cells = await blockchainRow();
        return cells[2] === 'unhealthy' ? cells : undefined;
      }, { what: 'blockchain unhealthy' });
      expect(row[6]).toMatch(/^RPC 127\.0\.0\.1:\d+ failed: /);
      const failing = await waitFor(async () => ((await rpcState())?.ok === false ? rpcState() : undefined), { what: 'the scanner failing' });
      expect(failing!.error).toMatch(/^RPC 127\.0\.0\.1:\d+ failed: /);
      // Still trying, on its own schedule.
      await waitFor(async () => ((await rpcState())!.at > failing!.at ? true : undefined), { what: 'another attempt' });
    } finally {
      await proxy.up();
    }
    const scan = await nextBlock();
    expect(scan.opportunities.map((o) => o.pair.join('/'))).toEqual(['WETH/TKA']);
    expect(await rpcState()).toMatchObject({ ok: true, block: scan.block });
    await waitFor(async () => ((await blockchainRow())[2] === 'healthy' ? true : undefined), { what: 'blockchain healthy again' });
  });

  it('GIVEN more candidates than it simulates THEN one left out for some blocks is not posted again when it is back on top', async () => {
    await net.snapshot(async () => {
      const ranked = await startStack([], { agents: ['scanner'], env: { RPC_URL: net.url, POOLS_FILE: poolsFile, SCAN_INTERVAL: '50ms', SIMULATE_TOP: '1' } });
      const queue = new Queue('notify', { connection: ranked.hub.client, prefix: ranked.hub.prefix });
      const postedHere = async () => (await queue.getJobs(['waiting'])).filter((j) => j.name === 'finding' && j.data.type === 'opportunity').map((j) => (j.data.opportunity as Opportunity).pair[1]);
      try {
        await waitFor(async () => ((await postedHere()).includes('TKA') ? true : undefined), { what: 'TKA posted' });
        // TKE opens a larger gap and takes the one simulation per block; TKA still has its gap, unsimulated.
        await give('sushi', 'TKE', 'TKE', 30n * 10n ** 18n);
        await waitFor(async () => ((await postedHere()).includes('TKE') ? true : undefined), { what: 'TKE posted' });
        expect((await lastScan(ranked.hub))!.rejected.filter((r) => r.id.startsWith('tka-')).map((r) => r.reason)).toEqual([NOT_SIMULATED]);
        // TKE's gap closes: TKA, unchanged, is the best again.
        await (await new Contract(net.tokens.WETH!, ['function deposit() payable'], net.deployer).deposit!({ value: 30n * 10n ** 18n })).wait();
        await give('sushi', 'TKE', 'WETH', 30n * 10n ** 18n);
        const block = await net.provider.getBlockNumber();
        await waitFor(async () => {
          const scan = await lastScan(ranked.hub);
          return scan && scan.block >= block && scan.opportunities.some((o) => o.pair[1] === 'TKA') ? true : undefined;
        }, { what: 'TKA simulated again' });
        expect((await postedHere()).sort()).toEqual(['TKA', 'TKE']);
      } finally {
        await queue.close();
        await ranked.stop();
      }
    });
  });
});
