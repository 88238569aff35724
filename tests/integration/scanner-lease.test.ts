import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseHolder } from '../../agents/lease.js';
import { lastScan } from '../../state/defi-scan.js';
import { GAPS, startDevnet } from '../support/devnet.js';
import { ROOT, waitFor } from '../support/fleet.js';
import { dropHub, testHub, TEST_REDIS_URL } from '../support/redis.js';

// Two replicas of the scanner agent (separate processes, as two Swarm tasks would be) on one Redis and one chain:
// one holds the lease and scans, the other stands by; SIGKILL to the active one, and the standby takes over within
// seconds and scans the next blocks.

describe('the scanner with two replicas', () => {
  let net: Awaited<ReturnType<typeof startDevnet>>;
  const hub = testHub();
  const children = new Map<number, ChildProcess>();
  let mining: NodeJS.Timeout;

  const scanner = (poolsFile: string) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'agent', 'scanner'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: hub.prefix, RPC_URL: net.url, POOLS_FILE: poolsFile, SCAN_INTERVAL: '100ms', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    children.set(child.pid!, child);
    return child;
  };
  const holder = async () => {
    const who = await leaseHolder(hub, 'scanner');
    return who ? Number(who.split(':').at(-1)) : undefined;
  };
  /** A block mined after now, scanned. */
  const scannedAfter = (block: number) => waitFor(async () => ((await lastScan(hub))?.block ?? -1) > block ? lastScan(hub) : undefined, { timeoutMs: 20_000, everyMs: 50, what: `a scan after block ${block}` });

  beforeAll(async () => {
    net = await startDevnet(GAPS);
    const poolsFile = net.writePoolsFile();
    scanner(poolsFile);
    scanner(poolsFile);
    mining = setInterval(() => void net.provider.send('evm_mine', []).catch(() => {}), 300);
  }, 60_000);
  afterAll(async () => {
    clearInterval(mining);
    for (const child of children.values()) child.kill('SIGKILL');
    await net?.stop();
    await dropHub(hub);
  });

  it('GIVEN two replicas THEN one holds the lease and scans; SIGKILL to it and the other takes over within seconds', async () => {
    const active = await waitFor(holder, { timeoutMs: 30_000, everyMs: 50, what: 'a lease holder' });
    expect(children.has(active)).toBe(true);
    expect(await leaseHolder(hub, 'scanner')).toBe(`${hostname()}:${active}`);
    const first = (await scannedAfter(0))!;
    // It stays the one: the standby does not take a lease that is renewed.
    await scannedAfter(first.block + 2);
    expect(await holder()).toBe(active);

    const killedAt = Date.now();
    children.get(active)!.kill('SIGKILL');
    const standby = [...children.keys()].find((pid) => pid !== active)!;
    await waitFor(async () => ((await holder()) === standby ? true : undefined), { timeoutMs: 20_000, everyMs: 50, what: 'the standby holding the lease' });
    const tookOverMs = Date.now() - killedAt;
    const blockThen = await net.provider.getBlockNumber();
    const next = (await scannedAfter(blockThen))!;
    expect(next.block).toBeGreaterThan(blockThen);
    // The lease runs for 5 s unless renewed: the standby is in charge soon after it runs out.
    expect(tookOverMs).toBeLessThan(10_000);
  }, 90_000);
});
