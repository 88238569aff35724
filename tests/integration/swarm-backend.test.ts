import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../config/index.js';
import type { FleetEvent } from '../../mcp-fleet/backends/index.js';
import { SwarmBackend } from '../../mcp-fleet/backends/swarm.js';
import type { Member } from '../../config/manifest.js';
import { McpPool } from '../../mcp-fleet/pool.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { createLogger } from '../../telemetry/logger.js';
import { member, waitFor } from '../support/fleet.js';
import { holdSwarm, killOnWorker, REGISTRY, SWARM_ENV, SWARM_TEST_IMAGE, swarmSkip, workerEngine } from '../support/swarm.js';

// The swarm backend and the MCP pool over replicas, on the real two-node swarm (deploy/local-swarm.sh): replicas
// spread over both nodes, a killed task replaced, scaling, a rolling restart under load, a bad image, a placement no
// node satisfies, draining a node, and a node whose engine stops. One swarm for the whole file.

const log = createLogger({ level: 'error' });
const opened: { backend: SwarmBackend; pool: McpPool }[] = [];
const text = (result: { content: unknown }) => (result.content as { text: string }[])[0]!.text;

async function serverMember(name: string, extra: Record<string, unknown> = {}): Promise<Member> {
  // Ten ports in a row, one per possible slot: replicas on one host network need their own.
  let port = await freePort();
  port -= port % 10;
  return member({ name, transport: 'http', image: SWARM_TEST_IMAGE, port, command: ['/app/tests/support/mcp/test-server.mjs', '--http', '${PORT}'], ...extra });
}

function open(members: Member[]) {
  const backend = new SwarmBackend({ members, vars: {}, connection: loadEnvConfig(SWARM_ENV).docker, fleet: `fbtest-${randomUUID().slice(0, 8)}`, log, stopTimeoutMs: 2000 });
  const pool = new McpPool(backend, members, { log, connectTimeoutMs: 3000, callTimeoutMs: 5000 });
  opened.push({ backend, pool });
  const events: FleetEvent[] = [];
  void (async () => {
    for await (const event of backend.events()) events.push(event);
  })();
  return { backend, pool, events };
}

/** The worker's node id (both nodes share one host name and, seen from the manager, one address). */
const workerId = async (backend: SwarmBackend) => (await backend.nodes()).find((n) => n.role === 'worker')!.id;
const stateOf = async (backend: SwarmBackend, name: string) => (await backend.list()).find((s) => s.name === name)!;

/** Every replica answers a ping, and as many as wanted run. */
async function allAnswer(backend: SwarmBackend, pool: McpPool, name: string, replicas: number, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const state = await stateOf(backend, name);
      if (state.replicas?.running !== replicas || state.replicas.desired !== replicas) return undefined;
      await pool.ping(name, 2000).catch(() => undefined);
      const views = await pool.replicasOf(name);
      return views.length === replicas && views.every((v) => v.inRotation) ? state : undefined;
    },
    { timeoutMs, everyMs: 200, what: `${replicas} replicas of ${name} answering` },
  );
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map(async ({ backend, pool }) => {
    await pool.close();
    await backend.close();
  }));
});

let release: (() => Promise<void>) | undefined;
beforeAll(async () => {
  if (!swarmSkip) release = await holdSwarm();
}, 660_000);
afterAll(async () => {
  // A test that failed half-way must not leave the worker stopped for the next file.
  if (!swarmSkip) await workerEngine('start').catch(() => undefined);
  await release?.();
}, 60_000);

describe.skipIf(swarmSkip)(`swarm backend${swarmSkip ? ` — skipped: ${swarmSkip}` : ''}`, () => {
  it('GIVEN a member with 3 replicas spread over the nodes THEN all run on both nodes, answer, and tool calls go round them', async () => {
    const server = await serverMember('spread', { replicas: 3, placement: { preferences: [{ spread: 'node.id' }] } });
    const { backend, pool } = open([server]);
    await backend.startAll();
    const state = await allAnswer(backend, pool, 'spread', 3);
    const nodes = new Set(state.replicas!.tasks.filter((t) => t.state === 'running').map((t) => t.nodeId));
    expect(nodes.has(await workerId(backend))).toBe(true);
    expect(nodes.size).toBe(2);
    const answers = await Promise.all(Array.from({ length: 9 }, () => pool.callTool('spread', 'whoami', {}).then(text)));
    expect(new Set(answers.map((a) => a.split(' ')[0]))).toEqual(new Set(['slot=1', 'slot=2', 'slot=3']));
    expect(await backend.nodes()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'manager', state: 'ready', availability: 'active' }),
        expect.objectContaining({ role: 'worker', state: 'ready', availability: 'active', tasks: expect.any(Number) }),
      ]),
    );
  });

  it('GIVEN a replica killed on the worker THEN the engine replaces it, the pool drops it at once and talks to the new one', async () => {
    const server = await serverMember('victim', { replicas: 2, placement: { preferences: [{ spread: 'node.id' }] } });
    const { backend, pool, events } = open([server]);
    await backend.startAll();
    const before = await allAnswer(backend, pool, 'victim', 2);
    const worker = await workerId(backend);
    const onWorker = before.replicas!.tasks.find((t) => t.state === 'running' && t.nodeId === worker)!;
    await killOnWorker(onWorker.id);
    const died = await waitFor(() => events.find((e) => e.type === 'died' && e.task?.id === onWorker.id), { timeoutMs: 10_000, what: 'died event' });
    expect(died).toMatchObject({ member: 'victim', code: 137, expected: false, task: { slot: onWorker.slot } });
    // Calls meanwhile go to the replica that lives.
    for (let i = 0; i < 5; i++) expect(text(await pool.callTool('victim', 'echo', { text: `call ${i}` }))).toBe(`call ${i}`);
    const after = await allAnswer(backend, pool, 'victim', 2);
    const replacement = after.replicas!.tasks.find((t) => t.slot === onWorker.slot && t.state === 'running')!;
    expect(replacement.id).not.toBe(onWorker.id);
    expect(events.some((e) => e.type === 'started' && e.task?.id === replacement.id)).toBe(true);
    expect(after.restarts).toBe(1);
  });

  it('GIVEN /scale 1 → 3 → 1 THEN the replicas follow, and a number past max_replicas is refused naming the limit', async () => {
    const server = await serverMember('scaled', { replicas: 1, max_replicas: 4 });
    const { backend, pool } = open([server]);
    await backend.startAll();
    await allAnswer(backend, pool, 'scaled', 1);
    await backend.scale('scaled', 3);
    await allAnswer(backend, pool, 'scaled', 3);
    await backend.scale('scaled', 1);
    const one = await allAnswer(backend, pool, 'scaled', 1);
    expect(one.replicas!.tasks.filter((t) => t.state === 'running' && t.desired === 'running').map((t) => t.slot)).toEqual([1]);
    await expect(backend.scale('scaled', 5)).rejects.toThrow('scaled scales from 0 to 4 replicas (max_replicas)');
    await expect(backend.scale('scaled', -1)).rejects.toThrow('max_replicas');
  });

  it('GIVEN steady tool calls WHEN a 2-replica member gets a rolling restart THEN no call fails and every replica is new', async () => {
    const server = await serverMember('rolling', { replicas: 2, update: { monitor: '500ms' } });
    const { backend, pool } = open([server]);
    await backend.startAll();
    const before = await allAnswer(backend, pool, 'rolling', 2);
    let stop = false;
    let calls = 0;
    const failures: string[] = [];
    const load = Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        while (!stop) {
          try {
            const answer = text(await pool.callTool('rolling', 'echo', { text: `w${worker}` }));
            if (answer !== `w${worker}`) failures.push(`wrong answer ${answer}`);
          } catch (error) {
            failures.push((error as Error).message);
          }
          calls++;
          await new Promise((r) => setTimeout(r, 5));
        }
      }),
    );
    await backend.restart('rolling');
    const after = await allAnswer(backend, pool, 'rolling', 2);
    stop = true;
    await load;
    expect(new Set(failures)).toEqual(new Set());
    expect(calls).toBeGreaterThan(20);
    const oldIds = new Set(before.replicas!.tasks.filter((t) => t.state === 'running').map((t) => t.id));
    expect(after.replicas!.tasks.filter((t) => t.state === 'running').every((t) => !oldIds.has(t.id))).toBe(true);
  });

  it('GIVEN an image no node can get, or a placement no node satisfies THEN the member is exited with the engine’s reason, said once', async () => {
    const ghost = member({ name: 'ghost', kind: 'agent', image: `${REGISTRY}/fleetbot-no-such-image:never` });
    const nowhere = member({ name: 'nowhere', kind: 'agent', image: SWARM_TEST_IMAGE, command: ['-e', 'setInterval(() => {}, 1000)'], placement: { constraints: ['node.labels.zone == nowhere'] } });
    const { backend, events } = open([ghost, nowhere]);
    await backend.startAll();
    const ghostState = await waitFor(async () => {
      const s = await stateOf(backend, 'ghost');
      return s.state === 'exited' && s.lastExit?.error ? s : undefined;
    }, { timeoutMs: 20_000, everyMs: 200, what: 'ghost exited with a reason' });
    expect(ghostState.lastExit!.error).toMatch(/No such image|not found|manifest unknown/i);
    const nowhereState = await waitFor(async () => {
      const s = await stateOf(backend, 'nowhere');
      return s.lastExit?.error ? s : undefined;
    }, { timeoutMs: 20_000, everyMs: 200, what: 'nowhere with a reason' });
    expect(nowhereState).toMatchObject({ state: 'exited', lastExit: { error: expect.stringContaining('no suitable node') } });
    await new Promise((r) => setTimeout(r, 1500)); // several polls: the reason must not be repeated
    expect(events.filter((e) => e.type === 'died' && e.member === 'nowhere')).toHaveLength(1);
  });

  it('GIVEN the worker drained THEN its tasks move to the manager and the node shows drain; active again afterwards', async () => {
    const server = await serverMember('drained', { replicas: 2, placement: { preferences: [{ spread: 'node.id' }] } });
    const { backend, pool } = open([server]);
    await backend.startAll();
    await allAnswer(backend, pool, 'drained', 2);
    const worker = await workerId(backend);
    try {
      const node = await backend.setAvailability(worker.slice(0, 12), 'drain');
      expect(node).toMatchObject({ id: worker, availability: 'drain' });
      const moved = await waitFor(async () => {
        const s = await allAnswer(backend, pool, 'drained', 2);
        return s.replicas!.tasks.filter((t) => t.state === 'running').every((t) => t.nodeId !== worker) ? s : undefined;
      }, { timeoutMs: 30_000, everyMs: 200, what: 'tasks off the worker' });
      expect(moved.replicas!.running).toBe(2);
      expect((await backend.nodes()).find((n) => n.id === worker)).toMatchObject({ availability: 'drain', tasks: 0 });
    } finally {
      await backend.setAvailability(worker, 'active');
    }
    expect((await backend.nodes()).find((n) => n.id === worker)).toMatchObject({ availability: 'active' });
  });

  it('GIVEN the worker’s engine stops THEN its node is down and its replicas run again on the manager', async () => {
    const server = await serverMember('orphan', { replicas: 2, placement: { preferences: [{ spread: 'node.id' }] } });
    const { backend, pool } = open([server]);
    await backend.startAll();
    const before = await allAnswer(backend, pool, 'orphan', 2);
    const worker = await workerId(backend);
    expect(before.replicas!.tasks.some((t) => t.state === 'running' && t.nodeId === worker)).toBe(true);
    await workerEngine('stop');
    try {
      await waitFor(async () => (await backend.nodes()).find((n) => n.id === worker && n.state === 'down'), { timeoutMs: 30_000, everyMs: 200, what: 'worker down' });
      const moved = await waitFor(async () => {
        const s = await stateOf(backend, 'orphan');
        const running = s.replicas!.tasks.filter((t) => t.state === 'running' && t.desired === 'running');
        return running.length === 2 && running.every((t) => t.nodeId !== worker) ? s : undefined;
      }, { timeoutMs: 45_000, everyMs: 200, what: 'replicas on the manager' });
      expect(moved.replicas!.running).toBe(2);
      expect(text(await pool.callTool('orphan', 'echo', { text: 'still here' }))).toBe('still here');
    } finally {
      await workerEngine('start');
    }
    await waitFor(async () => (await backend.nodes()).find((n) => n.id === worker && n.state === 'ready'), { timeoutMs: 30_000, everyMs: 200, what: 'worker ready again' });
  });
});
