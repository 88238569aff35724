import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestText, ROOT, testServer, waitFor } from '../support/fleet.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { operator, startStack } from '../support/stack.js';

// The ops agent (with the fleet it runs) is a separate process, SIGKILLed in the middle of a restart: a new ops
// agent takes the job over once its lock runs out and finishes it — the member is restarted once, and the person
// who asked gets the answer.

describe('an ops agent killed mid-job', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  const children: ChildProcess[] = [];
  const member = testServer('slow', 'stdio', { health: { interval: '300ms', timeout: '500ms', retries: 2, start_period: '15s' }, restart: { policy: 'no' } }, ['--slow-start', '2500']);

  beforeAll(async () => {
    s = await startStack([member], { agents: [], opsTimeoutMs: 40_000 });
  }, 60_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await s?.stop();
  });

  const agent = (dir: string) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'agent', 'ops', 'health'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: s.hub.prefix, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  };
  const alive = async () => (await s.dispatcher.dispatchLine('/agents', operator, 'fault')).table!.rows.find((r) => r.cells[0] === 'ops')?.cells[1] === 'alive';

  it('GIVEN a restart in progress WHEN its worker is SIGKILLed THEN another ops agent completes it, once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-worker-kill-'));
    writeFileSync(path.join(dir, 'fleet.yaml'), manifestText([member]));
    const first = agent(dir);
    await waitFor(async () => ((await alive()) ? true : undefined), { what: 'first ops agent', timeoutMs: 20_000 });
    await waitFor(async () => ((await s.dispatcher.dispatchLine('/status', operator, 'fault')).table!.rows[0]!.cells[2] === 'healthy' ? true : undefined), { timeoutMs: 20_000 });

    const ops = s.hub.queue('ops');
    s.stack.defer('ops queue', () => ops.close());
    const asked = s.dispatcher.dispatchLine('/restart slow', operator, 'fault');
    await waitFor(async () => ((await ops.getJobs(['active'])).some((j) => j.name === 'restart') ? true : undefined), { what: 'restart active', everyMs: 10 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    agent(dir);

    const reply = await asked;
    expect(reply.title).toMatch(/^restarted slow in [\d.]+ s — healthy$/);
    // The new agent found the member started after the request (its own fleet start) and did not restart it again.
    const status = await s.dispatcher.dispatchLine('/status slow', operator, 'fault');
    expect(status.table!.rows[0]!.cells.slice(2, 5)).toEqual(['healthy', expect.any(String), '0']);
    const [job] = await ops.getJobs(['completed']).then((jobs) => jobs.filter((j) => j.name === 'restart'));
    expect(job!.attemptsMade).toBe(1);
    expect(job!.stalledCounter).toBe(1);
  }, 90_000);
});
