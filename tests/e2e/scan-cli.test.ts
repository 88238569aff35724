import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../config/index.js';
import { describeOpportunity } from '../../defi/describe.js';
import { Engine } from '../../defi/engine.js';
import type { Opportunity } from '../../defi/opportunity.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { GAPS, startDevnet } from '../support/devnet.js';
import { fleetbot } from '../support/cli.js';
import { ROOT } from '../support/fleet.js';

// `fleetbot scan` as a user runs it: the built CLI as a child process against Anvil with the real Uniswap V2 contracts.

const runScan = (...args: string[]) => fleetbot(['scan', ...args], '', { PATH: process.env.PATH }, ROOT);

describe('fleetbot scan', () => {
  let net: Awaited<ReturnType<typeof startDevnet>>;
  let pools: string;
  /** What the engine finds at a block with the settings the CLI gets from an empty environment. */
  const engineScan = async (block: number) => {
    const engine = await Engine.open({ rpcUrl: net.url, pools, risk: loadEnvConfig({}, ROOT).defi.risk, simulateTop: Number.POSITIVE_INFINITY });
    try {
      return await engine.scan({ blockTag: block });
    } finally {
      engine.close();
    }
  };

  beforeAll(async () => {
    net = await startDevnet(GAPS);
    pools = net.writePoolsFile();
  }, 60_000);
  afterAll(() => net?.stop());

  it('GIVEN --json THEN it prints the JSON array of opportunities, each with the numbers the engine finds', async () => {
    const { code, stdout, stderr } = await runScan('--rpc', net.url, '--pools', pools, '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as Opportunity[];
    const fields = (o: Opportunity) => ({ pair: o.pair, buyDex: o.buyDex, sellDex: o.sellDex, amountIn: o.amountIn, profit: o.profit, netProfit: o.netProfit, flashLoan: o.flashLoan });
    const expected = (await engineScan(await net.provider.getBlockNumber())).opportunities;
    expect(expected.length).toBeGreaterThan(0);
    expect(printed.map(fields)).toEqual(expected.map(fields));
    for (const o of printed) expect(Object.values(fields(o)).every((v) => v !== undefined && v !== '')).toBe(true);
  });

  it('GIVEN no --json THEN it prints a line per opportunity under a summary of the scan', async () => {
    const { code, stdout } = await runScan('--rpc', net.url, '--pools', pools);
    expect(code).toBe(0);
    const [head, ...lines] = stdout.trimEnd().split('\n');
    const scan = await engineScan(await net.provider.getBlockNumber());
    expect(head).toMatch(new RegExp(`^block ${scan.block}: ${scan.pools} pools, ${scan.cycles} cycles, ${scan.opportunities.length} profitable after fees and gas \\([\\d.]+ ms\\)$`));
    expect(lines).toEqual(scan.opportunities.map(describeOpportunity));
  });

  it('GIVEN a dead RPC or an unknown token THEN it exits 1 with one line that says which', async () => {
    const port = await freePort();
    const dead = await runScan('--rpc', `http://127.0.0.1:${port}`, '--pools', pools, '--json');
    expect([dead.code, dead.stdout]).toEqual([1, '']);
    expect(dead.stderr).toMatch(new RegExp(`^fleetbot: RPC 127\\.0\\.0\\.1:${port} failed: .*ECONNREFUSED.*\\n$`));
    const unknown = await runScan('--rpc', net.url, '--pools', net.writePoolsFile({ ...net.poolsFile, pairs: [['WETH', 'NOPE']] }), '--json');
    expect([unknown.code, unknown.stdout]).toEqual([1, '']);
    expect(unknown.stderr).toMatch(/^fleetbot: pairs\[0\]: unknown token "NOPE" — add it to "tokens" or use its address; known: WETH, TKA, .*\n$/);
  });
});
