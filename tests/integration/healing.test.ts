import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../mcp-fleet/backends/index.js';
import type { Member } from '../../config/manifest.js';
import { BACKENDS, type BackendUnderTest } from '../support/backends.js';
import { manifestText, ROOT, waitFor } from '../support/fleet.js';
import { operator, startStack } from '../support/stack.js';
import { TEST_REDIS_URL } from '../support/redis.js';

// Self-healing on each fleet backend: the health, healer and ops agents against real member processes or containers.

type Stack = Awaited<ReturnType<typeof startStack>>;
const stacks: Stack[] = [];
const children: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const server of servers.splice(0)) server.close();
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

/** A config check on loopback that members ask at start: not ok until `fix()` (reaches into containers as well). */
async function configCheck() {
  let ok = false;
  const server = createServer((_req, res) => res.writeHead(ok ? 200 : 503).end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/config-ok`, fix: () => (ok = true) };
}

describe.each(BACKENDS.map((b) => [b.title, b] as const))('self-healing (%s)', (_title, b: BackendUnderTest) => {
  const healing = (extra: Record<string, unknown> = {}) => ({ health: b.health, restart: { policy: 'on-failure', max_restarts: 3, window: '1m', backoff_initial: '50ms', backoff_max: '1s' }, ...extra });

  async function fleet(members: Member[], agents = ['ops', 'health', 'healer']) {
    const s = await startStack(members, { agents, env: b.env });
    stacks.push(s);
    const events: FleetEvent[] = [];
    void (async () => {
      for await (const e of s.fleet!.backend.events()) events.push(e);
    })();
    const notify = new Queue('notify', { connection: s.hub.client, prefix: s.hub.prefix });
    s.stack.defer('test notify queue', () => notify.close());
    const jobs = async (name: string) => (await notify.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter((j) => j.name === name).map((j) => j.data);
    const state = async (name: string) => (await s.fleet!.backend.list()).find((m) => m.name === name)!;
    const health = async (name: string) => (await s.dispatcher.dispatchLine(`/status ${name}`, operator, 'test')).table!.rows[0]!.cells[2];
    const kill = async (name: string) => b.kill(s.hub.prefix, name, (await state(name)).pid);
    return { s, events, jobs, state, health, kill };
  }

  const healthy = (f: Awaited<ReturnType<typeof fleet>>, name: string) => async () => ((await f.health(name)) === 'healthy' && (await f.state(name)).restarts > 0 ? true : undefined);
  const killed = b.killed.replace(/[()]/g, '\\$&');

  it.skipIf(b.skip)('GIVEN a member killed with SIGKILL THEN it is restarted, healthy, and one healing notice says so', async () => {
    const f = await fleet([await b.testServer('alpha', 'stdio', healing())]);
    await f.kill('alpha');
    await waitFor(healthy(f, 'alpha'), { what: 'alpha healed' });
    const notices = await waitFor(async () => ((await f.jobs('healing')).length ? f.jobs('healing') : undefined));
    expect(notices).toHaveLength(1);
    expect(notices[0].title).toMatch(new RegExp(`^alpha ${killed} → restarted in \\d+\\.\\d+ s, healthy$`));
    expect((await f.state('alpha')).restarts).toBe(1);
    const audit = await f.s.dispatcher.dispatchLine('/heal status alpha', operator, 'test');
    expect(audit.table!.rows[0]!.cells[4]).toMatch(new RegExp(`^alpha ${killed} → restarted`));
  });

  it.skipIf(b.skip)('GIVEN a member that hangs without exiting THEN it turns unhealthy and is restarted', async () => {
    const f = await fleet([await b.testServer('frozen', 'http', healing())]);
    await f.s.fleet!.pool.callTool('frozen', 'freeze', {});
    await waitFor(healthy(f, 'frozen'), { what: 'frozen healed', timeoutMs: 60_000 });
    const [notice] = await waitFor(async () => ((await f.jobs('healing')).length ? f.jobs('healing') : undefined));
    // MCP ping decides where the member has no health check of its own; Docker's check where it has one.
    // (the pool may be reconnecting to it when the ping times out: either way it did not answer)
    const why = b.kind === 'process' ? 'frozen did not answer ping: (cannot connect to frozen: )?Request timed out' : 'Health check exceeded timeout \\(2s\\)';
    // The hang is what the healer saw — or, when its own stop's SIGTERM ended the frozen process first, that kill.
    expect(notice.title).toMatch(new RegExp(`^frozen (was unhealthy \\(${why}\\)|was killed \\(SIGTERM\\)) → restarted in [\\d.]+ s, healthy$`));
  }, 90_000);

  it.skipIf(b.skip)('GIVEN a crash-looping member THEN backoff, then the budget runs out, auto-restart pauses with one alert, and /heal resume recovers it', async () => {
    const config = await configCheck();
    const policy = { policy: 'on-failure', max_restarts: 3, window: '1m', backoff_initial: '300ms', backoff_max: '5s' };
    const f = await fleet([await b.testServer('looper', 'stdio', healing({ restart: policy }), ['--crash-unless', config.url])]);
    const paused = await waitFor(async () => {
      const reply = await f.s.dispatcher.dispatchLine('/heal status looper', operator, 'test');
      return reply.table!.rows[0]!.cells[2]!.startsWith('paused') ? reply : undefined;
    }, { what: 'auto-restart paused', timeoutMs: 20_000 });
    expect(paused.table!.rows[0]!.cells[2]).toBe('paused (crash-loop) by healer');
    // Three restarts (the budget), each after a longer wait: 300 ms, 600 ms, 1.2 s after the crash before it.
    const restarts = f.events.filter((e) => e.type === 'started' && e.member === 'looper').map((e) => e.at);
    const crashes = f.events.filter((e) => e.type === 'died' && e.member === 'looper').map((e) => e.at);
    expect(restarts).toHaveLength(3);
    const waits = restarts.map((t) => t - Math.max(...crashes.filter((c) => c < t)));
    expect(waits[0]!).toBeGreaterThanOrEqual(300);
    expect(waits[1]!).toBeGreaterThanOrEqual(600);
    expect(waits[2]!).toBeGreaterThanOrEqual(1200);
    // The crash-loop alert is the healer's word that it gave up: after it, the member is left stopped.
    await waitFor(async () => ((await f.jobs('alert')).some((a) => a.key === 'crashloop-looper') ? true : undefined), { what: 'crash-loop alert' });
    expect(f.events.filter((e) => e.type === 'started' && e.member === 'looper')).toHaveLength(3); // left stopped
    expect((await f.state('looper')).state).toBe('exited');
    const alerts = (await f.jobs('alert')).filter((a) => a.key === 'crashloop-looper');
    expect(alerts).toEqual([expect.objectContaining({ status: 'firing', severity: 'critical', title: 'looper is crash-looping: 3 restarts in 1 min; auto-restart paused' })]);

    config.fix();
    const resumed = await f.s.dispatcher.dispatchLine('/heal resume looper', operator, 'test');
    expect(resumed.title).toBe('looper is back under care, with a fresh restart budget');
    await waitFor(async () => ((await f.health('looper')) === 'healthy' ? true : undefined), { what: 'looper healthy', timeoutMs: 15_000 });
    await waitFor(async () => ((await f.jobs('alert')).some((a) => a.key === 'crashloop-looper' && a.status === 'resolved') ? true : undefined), { what: 'crash-loop resolved' });
  });

  it.skipIf(b.skip)('GIVEN three members killed at once THEN three restarts, no duplicates', async () => {
    const f = await fleet(await Promise.all(['a1', 'a2', 'a3'].map((n) => b.testServer(n, 'stdio', healing()))));
    await Promise.all(['a1', 'a2', 'a3'].map((n) => f.kill(n)));
    for (const n of ['a1', 'a2', 'a3']) await waitFor(healthy(f, n), { what: `${n} healed` });
    // Each healing ends with its notice: once all three are out, no restart is still on its way.
    await waitFor(async () => ((await f.jobs('healing')).length >= 3 ? true : undefined), { what: 'three healing notices' });
    for (const n of ['a1', 'a2', 'a3']) expect((await f.state(n)).restarts).toBe(1);
    expect((await f.jobs('healing')).map((n) => n.member).sort()).toEqual(['a1', 'a2', 'a3']);
  });

  it.skipIf(b.skip)('GIVEN a member and what it depends on both killed THEN the dependency is restarted and healthy first', async () => {
    const f = await fleet([await b.testServer('oracle', 'stdio', healing()), await b.testServer('pricer', 'stdio', healing({ depends_on: ['oracle'] }))]);
    await Promise.all([f.kill('pricer'), f.kill('oracle')]);
    await waitFor(healthy(f, 'pricer'), { what: 'pricer healed' });
    const restarted = (name: string) => f.events.filter((e) => e.type === 'started' && e.member === name).at(-1)!.at;
    expect(restarted('pricer')).toBeGreaterThan(restarted('oracle'));
    const oracleNotice = (await f.jobs('healing')).find((n) => n.member === 'oracle')!;
    expect(restarted('pricer')).toBeGreaterThanOrEqual(oracleNotice.at - 50);
  });

  it.skipIf(b.skip)('GIVEN the healer is killed mid-restart THEN a new healer finishes the job: one restart, one notice', async () => {
    const slow = await b.testServer('slow', 'stdio', healing(), ['--slow-start', '1500']);
    const f = await fleet([slow], ['ops', 'health']);
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-healer-'));
    writeFileSync(path.join(dir, 'fleet.yaml'), manifestText(f.s.config.manifest.members));
    const healer = () => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'agent', 'healer'], {
        cwd: dir,
        env: { PATH: process.env.PATH, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: f.s.hub.prefix, LOG_LEVEL: 'warn', ...b.env },
        stdio: 'ignore',
      });
      children.push(child);
      return child;
    };
    const first = healer();
    await waitFor(async () => ((await f.s.dispatcher.dispatchLine('/agents', operator, 'test')).table!.rows.find((r) => r.cells[0] === 'healer')?.cells[1] === 'alive' ? true : undefined), { what: 'healer alive', timeoutMs: 60_000 });
    await f.kill('slow');
    const heal = new Queue('heal', { connection: f.s.hub.client, prefix: f.s.hub.prefix });
    f.s.stack.defer('heal queue', () => heal.close());
    await waitFor(async () => ((await heal.getJobs(['active'])).some((j) => j.data.restartRequestedAt) ? true : undefined), { what: 'restart asked for', everyMs: 5 });
    first.kill('SIGKILL');
    healer();
    // The new healer takes the job over once the dead one's lock expires: generous, since a busy machine is slow at all of it.
    await waitFor(async () => ((await f.jobs('healing')).length ? true : undefined), { what: 'healing notice from the new healer', timeoutMs: 75_000 });
    await waitFor(async () => ((await f.health('slow')) === 'healthy' ? true : undefined), { what: 'slow healthy', timeoutMs: 20_000 });
    expect((await f.state('slow')).restarts).toBe(1);
    const notices = await f.jobs('healing');
    expect(notices).toHaveLength(1);
    expect(notices[0].title).toMatch(new RegExp(`^slow ${killed} → restarted in \\d+(\\.\\d+)? (s|min)( \\d+ s)?, healthy$`));
  }, 120_000);
});
