import { Queue } from 'bullmq';
import { Contract, formatUnits, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastScan } from '../../state/defi-scan.js';
import { formatAmount } from '../../defi/describe.js';
import { deployFlashArbitrage, poolKey } from '../../defi/devnet.js';
import { Engine } from '../../defi/engine.js';
import type { Opportunity } from '../../defi/opportunity.js';
import { ERC20, GAPS, startDevnet } from '../support/devnet.js';
import { waitFor } from '../support/fleet.js';
import { operator, startStack } from '../support/stack.js';

// /scan, /opportunities, /price, /pools and /trade through the dispatcher, answered by the scanner, risk and
// executor agents on real Redis, against Anvil with the real Uniswap V2 contracts — once with execution off, once
// with an executor key and its FlashArbitrage.

const e18 = 10n ** 18n;
const AGENTS = ['scanner', 'risk', 'executor'];

describe('DeFi commands', () => {
  let net: Awaited<ReturnType<typeof startDevnet>>;
  let poolsFile: string;
  let wallet: ReturnType<typeof Wallet.createRandom>;
  let contract: string;
  /** Execution off: no key configured. */
  let off: Awaited<ReturnType<typeof startStack>>;
  /** An executor key, its contract, and a WETH cap that one of the two opportunities is over. */
  let on: Awaited<ReturnType<typeof startStack>>;
  /** The two opportunities, the larger trade first. */
  let over: Opportunity;
  let under: Opportunity;
  let onEnv: Record<string, string>;
  const ask = (stack: typeof off, line: string) => stack.dispatcher.dispatchLine(line, operator, 'test');
  /** What the engine itself finds at a block, with the settings of `stack`. */
  const engineScan = async (stack: typeof off, block: number) => {
    const { risk, simulateTop } = stack.config.defi;
    const engine = await Engine.open({ rpcUrl: net.url, pools: poolsFile, risk, simulateTop });
    try {
      return await engine.scan({ blockTag: block });
    } finally {
      engine.close();
    }
  };
  const row = (o: Opportunity) => [
    o.id,
    o.pair.join('/'),
    o.buyDex,
    o.sellDex,
    formatAmount(o.amountIn, 18),
    formatAmount(o.profit, 18),
    formatAmount(o.netProfit, 18),
    o.flashLoan,
    o.risk.ok ? 'ok' : o.risk.reasons.join('; '),
  ];

  beforeAll(async () => {
    net = await startDevnet(GAPS);
    poolsFile = net.writePoolsFile();
    wallet = Wallet.createRandom().connect(net.provider);
    await net.provider.send('anvil_setBalance', [wallet.address, `0x${(10n * e18).toString(16)}`]);
    contract = await deployFlashArbitrage(wallet);
    const env = { RPC_URL: net.url, POOLS_FILE: poolsFile };
    off = await startStack([], { agents: AGENTS, env });
    const found = (await engineScan(off, await net.provider.getBlockNumber())).opportunities;
    [over, under] = found.sort((x, y) => (BigInt(y.amountIn) > BigInt(x.amountIn) ? 1 : -1)) as [Opportunity, Opportunity];
    const cap = formatUnits((BigInt(over.amountIn) + BigInt(under.amountIn)) / 2n, 18);
    onEnv = { ...env, EXECUTOR_KEY: wallet.privateKey, EXECUTOR_CONTRACT: contract, TOKEN_CAPS: `WETH=${cap}` };
    on = await startStack([], { agents: AGENTS, env: onEnv });
  }, 60_000);
  afterAll(async () => {
    await off?.stop();
    await on?.stop();
    await net?.stop();
  });

  it('GIVEN /scan THEN every opportunity the engine confirms at that block is a row, and the rest are counted by reason', async () => {
    const reply = await ask(off, '/scan');
    const block = Number(/at block (\d+)/.exec(reply.title)![1]);
    const expected = await engineScan(off, block);
    expect(expected.opportunities.map((o) => o.pair.join('/')).sort()).toEqual(['WETH/TKA', 'WETH/TKB']);
    expect(reply.tone).toBe('ok');
    expect(reply.title).toBe(`scan: ${expected.opportunities.length} opportunities at block ${block}, all simulated ✓`);
    expect(reply.table!.rows.map((r) => r.cells)).toEqual(expected.opportunities.map(row));
    expect(reply.body!.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${expected.pools} pools, ${expected.cycles} cycles, ${expected.candidates} yield before costs — \\d+ ms$`)),
      `${expected.rejected.length}× profit N does not cover the loan fee N and gas`,
    ]);
  });

  it('GIVEN the scanner has scanned THEN /opportunities shows its latest scan without scanning again', async () => {
    const scan = await waitFor(() => lastScan(off.hub).then((s) => s ?? undefined), { what: 'a scan' });
    const reply = await ask(off, '/opportunities');
    expect(reply.title).toMatch(new RegExp(`^latest \\(\\d+ s ago\\): ${scan.opportunities.length} opportunities at block ${scan.block}, all simulated ✓$`));
    expect(reply.table!.rows.map((r) => r.cells)).toEqual((await engineScan(off, scan.block)).opportunities.map(row));
  });

  it('GIVEN /price WETH TKA THEN each DEX has a row with the price of its reserves, and the spread between them', async () => {
    const reply = await ask(off, '/price WETH TKA');
    const quotes = await Promise.all(['uni', 'sushi'].map(async (dex) => ({ dex, ...(await net.reserves(dex, 'TKA')) })));
    const prices = quotes.map((q) => Number(q.token) / Number(q.weth));
    const spread = ((Math.max(...prices) - Math.min(...prices)) / Math.min(...prices)) * 100;
    expect(reply.title).toMatch(new RegExp(`^WETH/TKA at block \\d+: spread ${spread.toFixed(3)} %$`));
    expect(reply.table!.columns).toEqual(['dex', 'price (TKA per WETH)', 'reserve WETH', 'reserve TKA', 'pool']);
    expect(reply.table!.rows.map((r) => r.cells)).toEqual(
      quotes.map((q, i) => [q.dex, prices[i]!.toPrecision(8), formatAmount(q.weth, 18, 4), formatAmount(q.token, 18, 4), net.pools[poolKey(q.dex, 'WETH', 'TKA')]]),
    );
    expect((await ask(off, '/price WETH NOPE')).title).toBe('price failed: unknown token "NOPE" — known: WETH, TKA, TKB, TKC, TKD, TKE, TKF');
  });

  it('GIVEN /pools THEN every watched pool is listed with the reserves it holds on chain', async () => {
    const reply = await ask(off, '/pools');
    expect(reply.title).toMatch(new RegExp(`^${Object.keys(net.pools).length} pools at block \\d+$`));
    const rows = reply.table!.rows.map((r) => r.cells);
    expect(rows.map((cells) => cells[4]).sort()).toEqual(Object.values(net.pools).sort());
    for (const [dex, pair, reserve0, reserve1, address] of rows) {
      const token = pair!.split('/').find((s) => s !== 'WETH')!;
      expect(address).toBe(net.pools[poolKey(dex!, 'WETH', token)]);
      const r = await net.reserves(dex!, token);
      const [first, second] = pair!.startsWith('WETH/') ? [r.weth, r.token] : [r.token, r.weth];
      expect([reserve0, reserve1]).toEqual([`${formatAmount(first, 18, 4)} ${pair!.split('/')[0]}`, `${formatAmount(second, 18, 4)} ${pair!.split('/')[1]}`]);
    }
  });

  it('GIVEN execution off THEN /trade check=yes still checks, and /trade refuses saying what to configure, sending nothing', async () => {
    const { id } = over;
    const check = await ask(off, `/trade ${id} check=yes`);
    expect(check.tone).toBe('info');
    expect(check.title).toBe(`${id} passes the risk check now`);
    const block = await net.provider.getBlockNumber();
    const reply = await ask(off, `/trade ${id}`);
    expect(reply.tone).toBe('error');
    expect(reply.title).toBe('trade failed: execution is off: set EXECUTOR_KEY and EXECUTOR_CONTRACT (a FlashArbitrage deployed by that key) to enable it');
    // Automine: any transaction would have made a block.
    expect(await net.provider.getBlockNumber()).toBe(block);
  });

  it('GIVEN execution on and a trade over the WETH cap THEN /trade refuses on the risk check and sends nothing', async () => {
    const { id } = over;
    const reason = `${BigInt(over.amountIn)} WETH \\(smallest units\\) is over the cap of ${(BigInt(over.amountIn) + BigInt(under.amountIn)) / 2n}`;
    const check = await ask(on, `/trade ${id} check=yes`);
    expect(check.tone).toBe('warn');
    expect(check.title).toMatch(new RegExp(`^${id} would be refused: ${reason}$`));
    const nonce = await net.provider.getTransactionCount(wallet.address);
    const reply = await ask(on, `/trade ${id}`);
    expect(reply.tone).toBe('error');
    expect(reply.title).toMatch(new RegExp(`^${id} not executed: risk check failed: ${reason}$`));
    expect(await net.provider.getTransactionCount(wallet.address)).toBe(nonce);
  });

  it('GIVEN execution on THEN nothing runs by itself, and /trade runs the trade on chain after the risk check and a simulation', async () => {
    const { id } = under;
    const notify = new Queue('notify', { connection: on.hub.client, prefix: on.hub.prefix });
    const weth = new Contract(net.tokens.WETH!, ERC20, net.provider);
    try {
      await net.snapshot(async () => {
        // The scanner found the opportunity, but without AUTO_EXECUTE it waits for an operator: one transaction so far, the deployment.
        await waitFor(() => lastScan(on.hub).then((s) => (s?.opportunities.some((o) => o.id === id) ? true : undefined)), { what: 'a scan' });
        expect(await net.provider.getTransactionCount(wallet.address)).toBe(1);
        const before = (await weth.balanceOf!(wallet.address)) as bigint;
        const reply = await ask(on, `/trade ${id}`);
        expect(reply.tone).toBe('ok');
        const [, block, shown] = new RegExp(`^executed ${id} in block (\\d+): profit ([\\d.]+) WETH$`).exec(reply.title)!;
        const hash = /^tx (0x[0-9a-f]{64}), gas \d+$/.exec(reply.body!)![1]!;
        const receipt = (await net.provider.getTransactionReceipt(hash))!;
        expect([receipt.status, receipt.from, receipt.to, receipt.blockNumber]).toEqual([1, wallet.address, contract, Number(block)]);
        const gained = ((await weth.balanceOf!(wallet.address)) as bigint) - before;
        expect(formatAmount(gained, 18)).toBe(shown);
        const execution = (await notify.getJobs(['waiting'])).find((j) => j.name === 'finding' && j.data.type === 'execution')!.data;
        expect(execution).toMatchObject({ ok: true, txHash: hash });
        expect(gained).toBe(BigInt(execution.opportunity.profit) - BigInt(execution.opportunity.flashLoanFee));
        // The gap it took is gone.
        expect((await ask(on, '/scan')).table?.rows.some((r) => r.cells[0] === id) ?? false).toBe(false);
      });
    } finally {
      await notify.close();
    }
  });

  it('GIVEN AUTO_EXECUTE=all THEN what passes the risk check runs without an operator, and what fails it does not', async () => {
    await net.snapshot(async () => {
      const auto = await startStack([], { agents: AGENTS, env: { ...onEnv, AUTO_EXECUTE: 'all' } });
      const notify = new Queue('notify', { connection: auto.hub.client, prefix: auto.hub.prefix });
      try {
        const executions = () => notify.getJobs(['waiting']).then((jobs) => jobs.filter((j) => j.name === 'finding' && j.data.type === 'execution').map((j) => j.data));
        const [done] = await waitFor(async () => ((await executions()).length ? executions() : undefined), { what: 'an execution' });
        expect(done).toMatchObject({ ok: true, opportunity: { id: under.id } });
        expect((await net.provider.getTransactionReceipt(done.txHash))!.status).toBe(1);
        // Its scan after the trade: the gap it took is closed, and the one over the cap is still there, untouched.
        const block = await net.provider.getBlockNumber();
        const scan = await waitFor(() => lastScan(auto.hub).then((s) => (s && s.block >= block ? s : undefined)), { what: 'a scan after the trade' });
        expect(scan.opportunities.map((o) => o.id)).toEqual([over.id]);
        expect(await executions()).toHaveLength(1);
      } finally {
        await notify.close();
        await auto.stop();
      }
    });
  });
});
