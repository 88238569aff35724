import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../security/permissions.js';
import type { CommandRequest } from '../../bot/dispatch.js';
import { HealthStore } from '../../state/health.js';
import { waitFor } from '../support/fleet.js';
import { operator, reader, startStack } from '../support/stack.js';
import { holdSwarm, killOnWorker, removeFleetServices, SWARM_ENV, swarmServer as server, swarmSkip, workerEngine } from '../support/swarm.js';

// fleetbot on the real two-node swarm, wired by its own roots (FLEET_BACKEND=swarm): /status with replicas and
// tasks, /scale, /nodes with drain, a replica killed on the worker (one healing notice), a hung replica replaced by
// fleetbot, and a node whose engine stops (an alert, and the replicas run on the manager). One stack for the file.

const admin: Caller = { id: 'u-admin', name: 'ada', permission: 'admin', via: 'console' };

describe.skipIf(swarmSkip)(`fleetbot on a swarm${swarmSkip ? ` — skipped: ${swarmSkip}` : ''}`, () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let notify: Queue;
  let release: (() => Promise<void>) | undefined;
  const ask = (line: string, caller = operator) => s.dispatcher.dispatchLine(line, caller, 'test');
  const jobs = async (name: string) => (await notify.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter((j) => j.name === name).map((j) => j.data);
  const tasksOf = async (name: string) => (await ask(`/status ${name}`)).table!.rows.map((r) => r.cells);
  const workerId = async () => (await ask('/nodes')).table!.rows.find((r) => r.cells[3] === 'worker')!.cells[1]!;
  /** Every replica of `name` running and answering, as /status <name> shows it. */
  const allHealthy = (name: string, replicas: number, timeoutMs = 30_000) =>
    waitFor(async () => {
      const reply = await ask(`/status ${name}`);
      const running = reply.table!.rows.filter((r) => r.cells[3] === 'running' && r.cells[4] === 'healthy');
      return reply.title.startsWith(`${name}: ${replicas}/${replicas} replicas running`) && running.length === replicas ? reply : undefined;
    }, { timeoutMs, everyMs: 200, what: `${replicas} healthy replicas of ${name}` });

  beforeAll(async () => {
    release = await holdSwarm();
    const members = [
      await server('web', { replicas: 2 }),
      await server('frozen', { replicas: 2 }),
      await server('solo', { replicas: 1, max_replicas: 3 }),
      await server('base', { replicas: 1 }),
      await server('leaf', { replicas: 2, depends_on: ['base'] }),
    ];
    s = await startStack(members, { agents: ['ops', 'health', 'healer', 'replicas'], env: SWARM_ENV, opsTimeoutMs: 60_000 });
    notify = new Queue('notify', { connection: s.hub.client, prefix: s.hub.prefix });
    s.stack.defer('test notify queue', () => notify.close());
    await Promise.all([allHealthy('web', 2), allHealthy('frozen', 2), allHealthy('solo', 1), allHealthy('base', 1), allHealthy('leaf', 2)]);
  }, 690_000);
  afterAll(async () => {
    await workerEngine('start').catch(() => undefined);
    await s?.stop();
    if (s) await removeFleetServices(s.hub.prefix);
    await release?.();
  }, 120_000);

  it('GIVEN the fleet THEN /status shows replicas running/desired and their nodes, and /status <member> its tasks', async () => {
    const reply = await ask('/status');
    expect(reply.table!.columns).toEqual(['member', 'state', 'health', 'replicas', 'nodes', 'uptime', 'restarts', 'ping', 'note']);
    const web = reply.table!.rows.find((r) => r.cells[0] === 'web')!.cells;
    expect(web.slice(1, 4)).toEqual(['running', 'healthy', '2/2']);
    expect(web[4]!.split(', ')).toHaveLength(2); // spread over both nodes
    const tasks = await tasksOf('web');
    expect((await ask('/status web')).table!.columns).toEqual(['task', 'slot', 'node', 'state', 'health', 'since', 'note']);
    expect(tasks.map((t) => [t[1], t[3], t[4]])).toEqual([['1', 'running', 'healthy'], ['2', 'running', 'healthy']]);
    expect(tasks.map((t) => t[5])).toEqual([expect.stringMatching(/ ago$/), expect.stringMatching(/ ago$/)]);
  });

  it('GIVEN /scale solo 1 → 3 → 1 THEN the replicas follow and answer; past max_replicas and for a reader it is refused', async () => {
    expect((await ask('/scale solo 3')).title).toMatch(/^scaled solo to 3 replicas in [\d.]+ s — all answering$/);
    await allHealthy('solo', 3);
    expect((await ask('/scale solo 1')).title).toMatch(/^scaled solo to 1 replica in [\d.]+ s — all answering$/);
    await allHealthy('solo', 1);
    const tooMany = await ask('/scale solo 4');
    expect(tooMany).toMatchObject({ tone: 'error', title: 'solo scales from 0 to 3 replicas (max_replicas in the fleet manifest)' });
    expect((await ask('/scale solo 2', reader)).tone).toBe('error');
    expect((await tasksOf('solo')).filter((t) => t[3] === 'running')).toHaveLength(1);
  });

  it('GIVEN a replica killed on the worker THEN the engine replaces it, it answers again, and one healing notice says so', async () => {
    const worker = await workerId();
    const onWorker = (await tasksOf('web')).find((t) => t[2]!.includes(worker) && t[3] === 'running')!;
    const [task] = await (await import('../support/swarm.js')).manager().listTasks({ filters: { service: [`${s.hub.prefix}-web`], 'desired-state': ['running'] } }).then((ts) => (ts as { ID: string }[]).filter((t) => t.ID.startsWith(onWorker[0]!)));
    await killOnWorker(task!.ID);
    const notices = await waitFor(async () => {
      const all = (await jobs('healing')).filter((n) => n.member === 'web');
      return all.length ? all : undefined;
    }, { timeoutMs: 30_000, everyMs: 200, what: 'a healing notice for web' });
    await allHealthy('web', 2);
    await new Promise((r) => setTimeout(r, 1000)); // long enough for a second notice, were there one
    expect((await jobs('healing')).filter((n) => n.member === 'web')).toHaveLength(1);
    expect(notices[0].title).toMatch(new RegExp(`^web: replica ${onWorker[1]} on .*${worker}.* died \\(exit 137\\) → replaced in [\\d.]+ ?s, 2/2 replicas healthy$`));
  }, 90_000);

  it('GIVEN a replica that hangs (process alive, MCP silent) THEN fleetbot replaces it and the member stays served', async () => {
    const before = (await tasksOf('frozen')).map((t) => t[0]);
    await s.fleet!.pool.callTool('frozen', 'freeze', {});
    // The other replica answers meanwhile.
    for (let i = 0; i < 3; i++) expect((await ask('/execute frozen echo {"text":"still"}')).tone).not.toBe('error');
    const notice = await waitFor(async () => (await jobs('healing')).find((n) => n.member === 'frozen'), { timeoutMs: 40_000, everyMs: 200, what: 'a healing notice for frozen' });
    expect(notice.title).toMatch(/^frozen: replica \d+ on .* hung \(.*\) → replaced in [\d.]+ ?s, 2\/2 replicas healthy$/);
    const after = await allHealthy('frozen', 2);
    expect(after.table!.rows.map((r) => r.cells[0]).some((id) => !before.includes(id))).toBe(true);
  }, 90_000);

  it('GIVEN a hung replica whose dependency is stopped THEN it is left until the dependency is healthy again, then replaced', async () => {
    const health = new HealthStore(s.hub);
    const before = (await tasksOf('leaf')).map((t) => t[0]);
    // /stop of a member another depends on names it and asks, even on the console.
    const stop = await s.dispatcher.handle(s.dispatcher.parseLine('/stop base', operator, 'test') as CommandRequest);
    expect(stop.kind).toBe('confirm');
    if (stop.kind !== 'confirm') return;
    const confirmed = await s.dispatcher.answer(stop.confirmation.id, operator, 'confirm');
    if (confirmed.kind !== 'confirmed') throw new Error(`the confirmation was ${confirmed.kind}`);
    const stopped = await confirmed.run();
    expect(stopped.tone, stopped.title).not.toBe('error');
    await waitFor(async () => ((await health.get('base'))?.status === 'healthy' ? undefined : true), { timeoutMs: 30_000, everyMs: 200, what: `base not healthy (stop said: ${stopped.title})` });
    // One of leaf's two replicas hangs: the other serves, and the replicas agent (not the healer) deals with it.
    await s.fleet!.pool.callTool('leaf', 'freeze', {});
    const waiting = await waitFor(async () => {
      const cell = (await ask('/heal status leaf')).table!.rows[0]!.cells[4]!;
      return cell.includes('waiting for') ? cell : undefined;
    }, { timeoutMs: 40_000, everyMs: 200, what: 'leaf left waiting for base' });
    expect(waiting).toMatch(/^leaf: replica \d+ on .* hung \(.*\); waiting for base to be healthy before replacing it/);
    // Left in place: the same task still runs, and no healing notice.
    expect((await tasksOf('leaf')).filter((t) => t[3] === 'running').map((t) => t[0]).sort()).toEqual([...before].sort());
    expect((await jobs('healing')).filter((n) => n.member === 'leaf')).toEqual([]);

    const started = await ask('/start base');
    expect(started.tone, `${started.title} ${started.body ?? ''}`).not.toBe('error');
    const notice = await waitFor(async () => (await jobs('healing')).find((n) => n.member === 'leaf'), { timeoutMs: 60_000, everyMs: 200, what: 'a healing notice for leaf' });
    expect(notice.title).toMatch(/^leaf: replica \d+ on .* hung \(.*\) → replaced in [\d.]+ ?s, 2\/2 replicas healthy$/);
    const after = await allHealthy('leaf', 2);
    expect(after.table!.rows.map((r) => r.cells[0]).some((id) => !before.includes(id))).toBe(true);
  }, 150_000);

  it('GIVEN /nodes drain of the worker (admin) THEN its tasks move, /nodes shows drain and an alert fires; activate resolves it', async () => {
    const worker = await workerId();
    expect((await ask(`/nodes drain ${worker}`)).tone).toBe('error'); // an operator may only look
    const drained = await ask(`/nodes drain ${worker}`, admin);
    expect(drained.title).toMatch(new RegExp(`^node .* \\(${worker}\\) is drain: its tasks move to other nodes$`));
    try {
      const nodes = await waitFor(async () => {
        const reply = await ask('/nodes');
        const row = reply.table!.rows.find((r) => r.cells[1] === worker)!.cells;
        return row[5] === 'drain' && row[6] === '0' ? reply : undefined;
      }, { timeoutMs: 30_000, everyMs: 200, what: 'worker drained and empty' });
      expect(nodes.table!.columns).toEqual(['node', 'id', 'address', 'role', 'state', 'availability', 'tasks']);
      await allHealthy('web', 2);
      expect((await tasksOf('web')).filter((t) => t[3] === 'running').every((t) => !t[2]!.includes(worker))).toBe(true);
      await waitFor(async () => (await jobs('alert')).find((a) => a.key.endsWith('-drain') && a.status === 'firing'), { timeoutMs: 10_000, what: 'drain alert' });
    } finally {
      expect((await ask(`/nodes activate ${worker}`, admin)).title).toMatch(/is active$/);
    }
    await waitFor(async () => (await jobs('alert')).find((a) => a.key.endsWith('-drain') && a.status === 'resolved'), { timeoutMs: 10_000, what: 'drain alert resolved' });
  }, 90_000);

  it('GIVEN the worker’s engine stops THEN a node-down alert fires, the replicas run on the manager, and it resolves when the worker is back', async () => {
    await ask('/scale web 2');
    const worker = await workerId();
    // Spread again over both nodes (after the drain): a rolling restart places the replicas anew.
    await ask('/restart web');
    await allHealthy('web', 2);
    await workerEngine('stop');
    try {
      const alert = await waitFor(async () => (await jobs('alert')).find((a) => a.key.endsWith('-down') && a.key.startsWith('node-') && a.status === 'firing'), { timeoutMs: 30_000, everyMs: 200, what: 'node-down alert' });
      expect(alert.title).toMatch(new RegExp(`^node .*${worker}.* is down: its tasks move to other nodes$`));
      await waitFor(async () => {
        const tasks = (await tasksOf('web')).filter((t) => t[3] === 'running' && t[4] === 'healthy');
        return tasks.length === 2 && tasks.every((t) => !t[2]!.includes(worker)) ? true : undefined;
      }, { timeoutMs: 45_000, everyMs: 300, what: 'web on the manager' });
      expect((await ask('/nodes')).table!.rows.find((r) => r.cells[1] === worker)!.cells[4]).toBe('down');
    } finally {
      await workerEngine('start');
    }
    await waitFor(async () => (await jobs('alert')).find((a) => a.key.startsWith('node-') && a.key.endsWith('-down') && a.status === 'resolved'), { timeoutMs: 30_000, everyMs: 300, what: 'node-down resolved' });
  }, 150_000);
});
