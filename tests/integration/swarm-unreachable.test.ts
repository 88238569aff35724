import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../mcp-fleet/ports.js';
import { member, waitFor } from '../support/fleet.js';
import { operator, startStack } from '../support/stack.js';
import { holdSwarm, removeFleetServices, SWARM_DIR, SWARM_TEST_IMAGE, swarmSkip } from '../support/swarm.js';

// fleetbot on the swarm through a socket that stops answering: a unix socket of the test's own, relaying to the real
// manager's (the shared swarm itself is never touched). Relay stopped → /status answers one line saying so, one alert
// fires, every agent lives on; relay back → the alert resolves and /status is the fleet again.

/** A relay from a socket of our own to the manager's: `stop()` makes the manager unreachable through it. */
function relay(at: string, to: string) {
  let server: Server | undefined;
  const open = new Set<Socket>();
  return {
    start: () =>
      new Promise<void>((resolve, reject) => {
        server = createServer((client) => {
          const upstream = connect(to);
          for (const s of [client, upstream]) {
            open.add(s);
            s.on('error', () => {}).on('close', () => open.delete(s));
          }
          client.pipe(upstream).pipe(client);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
        });
        server.once('error', reject).listen(at, () => resolve());
      }),
    // Closing the server unlinks its socket file: a connection now fails at once, as with a manager that is gone.
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server ? server.close(() => resolve()) : resolve();
      }),
  };
}

describe.skipIf(swarmSkip)(`fleetbot when the swarm manager stops answering${swarmSkip ? ` — skipped: ${swarmSkip}` : ''}`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-relay-'));
  const socket = path.join(dir, 'manager.sock');
  const manager = relay(socket, path.join(SWARM_DIR, 'manager/docker.sock'));
  let s: Awaited<ReturnType<typeof startStack>>;
  let notify: Queue;
  let release: (() => Promise<void>) | undefined;
  const ask = (line: string) => s.dispatcher.dispatchLine(line, operator, 'test');
  const alerts = async () => (await notify.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter((j) => j.name === 'alert' && j.data.key === 'swarm-manager-unreachable').map((j) => j.data);
  const healthy = () =>
    waitFor(async () => {
      const reply = await ask('/status');
      return reply.title === 'fleet: 1 member — 1 healthy' ? reply : undefined;
    }, { timeoutMs: 60_000, everyMs: 250, what: '/status healthy' });

  beforeAll(async () => {
    release = await holdSwarm();
    await manager.start();
    const port = await freePort();
    const solo = member({
      name: 'solo',
      transport: 'http',
      image: SWARM_TEST_IMAGE,
      port,
      command: ['/app/tests/support/mcp/test-server.mjs', '--http', '${PORT}'],
      health: { interval: '300ms', timeout: '500ms', retries: 2, start_period: '15s' },
    });
    s = await startStack([solo], { agents: ['ops', 'health', 'replicas'], env: { FLEET_BACKEND: 'swarm', DOCKER_HOST: `unix://${socket}` }, opsTimeoutMs: 30_000 });
    notify = new Queue('notify', { connection: s.hub.client, prefix: s.hub.prefix });
    s.stack.defer('test notify queue', () => notify.close());
    await healthy();
  }, 690_000);
  afterAll(async () => {
    await manager.start().catch(() => undefined);
    await s?.stop();
    if (s) await removeFleetServices(s.hub.prefix);
    await manager.stop();
    rmSync(dir, { recursive: true, force: true });
    await release?.();
  }, 120_000);

  it('GIVEN the manager socket stops answering THEN /status says so in one line, one alert fires, the agents live on; back THEN the alert resolves', async () => {
    const stoppedAt = Date.now();
    await manager.stop();
    const reply = await waitFor(async () => {
      const r = await ask('/status');
      return r.tone === 'error' ? r : undefined;
    }, { timeoutMs: 30_000, everyMs: 250, what: '/status saying the manager is gone' });
    const text = [reply.title, reply.body].filter(Boolean).join('\n');
    expect(text).toMatch(/^status failed: the swarm manager at unix:\/\/\S+manager\.sock does not answer since \d\d:\d\d:\d\d UTC \(.+\)$/);
    expect(text.split('\n')).toHaveLength(1);
    expect(reply.table).toBeUndefined();

    const [firing] = await waitFor(async () => {
      const all = await alerts();
      return all.length ? all : undefined;
    }, { timeoutMs: 30_000, everyMs: 100, what: 'the alert' });
    expect(firing).toMatchObject({ status: 'firing', severity: 'critical' });
    expect(firing!.title).toMatch(/^the swarm manager at unix:\/\/\S+ does not answer since .+: members are neither watched nor healed until it answers$/);
    console.log(`manager unreachable → alert ${firing!.at - stoppedAt} ms later`);
    // The agents that run the fleet kept running (their heartbeats say so), and the alert is still one, several
    // watch rounds (250 ms each) later.
    await waitFor(async () => {
      const rows = (await ask('/agents')).table!.rows.map((r) => r.cells.slice(0, 2));
      return ['ops', 'health', 'replicas'].every((a) => rows.some(([name, state]) => name === a && state === 'alive')) ? true : undefined;
    }, { timeoutMs: 30_000, everyMs: 500, what: 'ops, health and replicas alive' });
    await waitFor(async () => ((await ask('/status')).tone === 'error' && Date.now() - firing!.at > 2000 ? true : undefined), { timeoutMs: 30_000, everyMs: 250 });
    expect(await alerts()).toHaveLength(1);

    await manager.start();
    const resolved = await waitFor(async () => (await alerts()).find((a) => a.status === 'resolved'), { timeoutMs: 30_000, everyMs: 100, what: 'the alert resolved' });
    expect(resolved!.title).toBe('the swarm manager answers again');
    await healthy();
    expect(await alerts()).toHaveLength(2);
  }, 120_000);
});
