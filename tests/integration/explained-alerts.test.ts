import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../queues/notify.js';
import { BACKENDS, type BackendUnderTest } from '../support/backends.js';
import type { Member } from '../../config/manifest.js';
import { memberContainer } from '../support/docker.js';
import { waitFor } from '../support/fleet.js';
import { startStack } from '../support/stack.js';

// Alerts that explain, on each fleet backend: a member that dies is alerted with how it ended, how long it had run,
// its restarts in the window and its last log lines (redacted) — the first things an operator asks next.

type Stack = Awaited<ReturnType<typeof startStack>>;
const stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

const SECRET = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

async function fleet(b: BackendUnderTest, members: Member[]) {
  // No healer: the member stays dead, so the alert is all there is to read.
  const s = await startStack(members, { agents: ['ops', 'health'], env: b.env });
  stacks.push(s);
  const notify = new Queue('notify', { connection: s.hub.client, prefix: s.hub.prefix });
  s.stack.defer('test notify queue', () => notify.close());
  const firing = async (key: string) =>
    (await notify.getJobs(['waiting', 'active', 'completed', 'delayed'])).map((j) => j.data as Alert).find((a) => a.key === key && a.status === 'firing' && a.context);
  return { s, firing };
}

describe.each(BACKENDS.map((b) => [b.title, b] as const))('alerts that explain (%s)', (_title, b: BackendUnderTest) => {

  it.skipIf(b.skip)('GIVEN a member killed with SIGKILL THEN the alert names the signal, its run time, its restarts and its last lines, redacted', async () => {
    const f = await fleet(b, [await b.testServer('victim', 'stdio', { health: b.health })]);
    await f.s.fleet!.pool.callTool('victim', 'say_to_stderr', { line: `about to sync with GITHUB_TOKEN=${SECRET}` });
    await waitFor(async () => ((await f.s.fleet!.backend.logs('victim', { tail: 50 })).join('\n').includes('about to sync') ? true : undefined), { what: 'line logged' });
    const { pid } = (await f.s.fleet!.backend.list()).find((m) => m.name === 'victim')!;
    await b.kill(f.s.hub.prefix, 'victim', pid);
    const alert = await waitFor(() => f.firing('victim-down'), { what: 'explained alert', timeoutMs: 20_000 });
    expect(alert.title).toBe('victim is down');
    expect(alert.context![0]).toMatch(b.kind === 'process' ? /^killed by SIGKILL/ : /^exited with code 137 \(SIGKILL\)$/);
    expect(alert.context).toEqual(expect.arrayContaining([expect.stringMatching(/^it had run for \d/), 'restarts in the last 2 min: 0 of 5']));
    expect(alert.logTail).toContain('about to sync with GITHUB_TOKEN=[REDACTED');
    expect(alert.logTail).not.toContain(SECRET.slice(4, 20));
  }, 60_000);

  it.skipIf(b.skip)('GIVEN a member that prints an error and exits 1 THEN the alert says so and carries that error line', async () => {
    // Nothing listens on port 9 here: the test server's start-up check fails, it says why on stderr and exits 1.
    const f = await fleet(b, [await b.testServer('quitter', 'stdio', { health: b.health }, ['--crash-unless', 'http://127.0.0.1:9/config'])]);
    const alert = await waitFor(() => f.firing('quitter-down'), { what: 'explained alert', timeoutMs: 30_000 });
    expect(alert.context![0]).toBe('exited with code 1');
    expect(alert.logTail).toContain('test-server: http://127.0.0.1:9/config says the config is not ok, giving up');
  }, 60_000);
});

// Only an engine can tell a kill for memory from any other SIGKILL: the container's State.OOMKilled.
const engine = BACKENDS.find((b) => b.kind === 'docker')!;

describe(`an alert that explains an out-of-memory kill (${engine.title})`, () => {
  it.skipIf(engine.skip)('GIVEN a member that outgrows its 64m memory limit THEN the alert says it was killed for memory at that limit, with its last lines redacted', async () => {
    // It says what it is doing, then takes memory (touched, outside V8's heap) until the engine's OOM killer ends it.
    const script = `console.error('warming the cache with GITHUB_TOKEN=${SECRET}'); const held = []; setTimeout(() => setInterval(() => { for (let i = 0; i < 4; i++) held.push(Buffer.alloc(1 << 20, 1)); }, 10), 300);`;
    const f = await fleet(engine, [engine.agent('glutton', script, { resources: { memory: '64m' }, restart: { policy: 'no' } })]);
    const alert = await waitFor(() => f.firing('glutton-down'), { what: 'explained alert', timeoutMs: 60_000 });
    expect(alert.title).toBe('glutton is down');
    expect(alert.detail).toBe('killed for using more memory than its limit (out of memory, exit code 137)');
    expect(alert.context![0]).toBe('out of memory: the engine killed it at its memory limit of 64m (exit code 137)');
    expect(alert.context).toEqual(expect.arrayContaining([expect.stringMatching(/^it had run for \d/), 'restarts in the last 2 min: 0 of 5']));
    expect(alert.logTail).toContain('warming the cache with GITHUB_TOKEN=[REDACTED');
    expect(alert.logTail).not.toContain(SECRET.slice(4, 20));
    // The engine's own word, and the limit it enforced: 64 MiB with no swap beyond it.
    const { State, HostConfig } = await (await memberContainer(f.s.hub.prefix, 'glutton')).inspect();
    expect(State.OOMKilled).toBe(true);
    expect([HostConfig.Memory, HostConfig.MemorySwap]).toEqual([64 * 1024 ** 2, 64 * 1024 ** 2]);
  }, 90_000);
});
