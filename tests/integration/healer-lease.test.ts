import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseHolder } from '../../agents/lease.js';
import { HealthStore } from '../../state/health.js';
import { ROOT, waitFor } from '../support/fleet.js';
import { dropHub, testHub, TEST_REDIS_URL } from '../support/redis.js';

// Two replicas of the healer agent (separate processes, as two Swarm tasks would be) on one Redis: one holds the
// lease and decides what to heal, the other stands by — a member that dies is queued for healing once, not once per
// replica; SIGKILL to the active one, and the standby takes over within seconds and decides the next failure.

describe('the healer with two replicas', () => {
  const hub = testHub();
  const children = new Map<number, ChildProcess>();
  const health = new HealthStore(hub);
  const heal = new Queue('heal', { connection: hub.client, prefix: hub.prefix });

  const healer = () => {
    // The repository's fleet.yaml: the healer reads its members' restart policies and runs none of them.
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'agent', 'healer'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: hub.prefix, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    children.set(child.pid!, child);
    return child;
  };
  const holder = async () => {
    const who = await leaseHolder(hub, 'healer');
    return who ? Number(who.split(':').at(-1)) : undefined;
  };
  /** What the health agent writes when a member's process is killed. */
  const killed = (member: string) => health.put(member, { status: 'down', since: Date.now(), checkedAt: Date.now(), failures: 1, exit: { code: 137, signal: null, crashed: true } });
  const healJobs = async (member: string) => (await heal.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).filter((j) => j.data.member === member);

  beforeAll(() => {
    healer();
    healer();
  });
  afterAll(async () => {
    for (const child of children.values()) child.kill('SIGKILL');
    await heal.close();
    await dropHub(hub);
  });

  it('GIVEN two replicas THEN one holds the lease and decides; SIGKILL to it and the other decides only once it holds the lease, within seconds', async () => {
    const active = await waitFor(holder, { timeoutMs: 30_000, everyMs: 50, what: 'a lease holder' });
    expect(children.has(active)).toBe(true);
    expect(await leaseHolder(hub, 'healer')).toBe(`${hostname()}:${active}`);
    await killed('monitoring');
    await waitFor(async () => ((await healJobs('monitoring')).length ? true : undefined), { timeoutMs: 20_000, everyMs: 50, what: 'monitoring queued for healing' });
    expect(await holder()).toBe(active);

    // A failure the moment the active replica dies: the standby, which sees it within 100 ms, must not act on it
    // until the dead one's lease has run out (a second decider would) — and then must, within seconds.
    children.get(active)!.kill('SIGKILL');
    const failedAt = Date.now();
    await killed('task-queue');
    const standby = [...children.keys()].find((pid) => pid !== active)!;
    const [job] = await waitFor(async () => {
      const jobs = await healJobs('task-queue');
      return jobs.length ? jobs : undefined;
    }, { timeoutMs: 20_000, everyMs: 50, what: 'task-queue queued for healing by the standby' });
    expect(await holder()).toBe(standby);
    const decidedAfterMs = job!.timestamp - failedAt;
    // The lease runs for 5 s and is renewed at half of it: between 2.5 and 5 s were left when its holder died.
    expect(decidedAfterMs).toBeGreaterThan(1000);
    expect(decidedAfterMs).toBeLessThan(10_000);
    console.log(`the standby healer decided ${decidedAfterMs} ms after the active one was killed`);
  }, 90_000);
});
