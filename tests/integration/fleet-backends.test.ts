import { afterEach, describe, expect, it } from 'vitest';
import type { FleetBackend, FleetEvent } from '../../mcp-fleet/backends/index.js';
import type { Member } from '../../config/manifest.js';
import { BACKENDS, type BackendUnderTest } from '../support/backends.js';
import { waitFor } from '../support/fleet.js';
import { fragmentsShown, SECRET_CORPUS } from '../support/secrets.js';
import { isAlive } from '../support/processes.js';

// What every fleet backend does alike, run against each: child processes and real containers (parity).

const opened: FleetBackend[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

describe.each(BACKENDS.map((b) => [b.title, b] as const))('fleet backend (%s)', (_title, b: BackendUnderTest) => {
  function backendOf(members: Member[], stopTimeoutMs?: number) {
    const backend = b.open(members, stopTimeoutMs);
    opened.push(backend);
    const events: FleetEvent[] = [];
    void (async () => {
      for await (const event of backend.events()) events.push(event);
    })();
    return { backend, events };
  }
  const state = async (backend: FleetBackend, name: string) => (await backend.list()).find((s) => s.name === name)!;

  it.skipIf(b.skip)('GIVEN a member THEN it runs with only the variables named for it, and its output is kept with timestamps', async () => {
    const { backend } = backendOf([
      b.agent('talker', "console.log('out', process.env.GREETING, process.env.SECRET ?? 'no-secret'); console.error('err line'); setInterval(() => {}, 1000)", { env: { GREETING: '${GREETING}!' } }),
    ]);
    await backend.startAll();
    const lines = await waitFor(async () => {
      const l = await backend.logs('talker', { tail: 10 });
      return l.length >= 2 ? l : undefined;
    });
    expect(lines.map((l) => l.slice(25)).sort()).toEqual(['err line', 'out hi! no-secret']);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    expect(await backend.logs('talker', { tail: 1 })).toHaveLength(1);
    expect(await backend.logs('talker', { tail: 10, since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await state(backend, 'talker')).toMatchObject({ state: 'running', restarts: 0 });
  });

  it.skipIf(b.skip)('GIVEN a member that prints a key block and a seed phrase THEN its logs show neither, also from a tail that begins inside, one line per line written', async () => {
    const key = SECRET_CORPUS.find((x) => x.kind === 'pem-private-key' && x.format.startsWith('PEM (PKCS#1'))!;
    const seed = SECRET_CORPUS.find((x) => x.format === 'one word per line (24)')!;
    const written = ['starting', key.text, 'loaded', seed.text, 'finished'].join('\n');
    const { backend } = backendOf([b.agent('keeper', `console.log(${JSON.stringify(written)}); setInterval(() => {}, 1000)`)]);
    await backend.startAll();
    const count = written.split('\n').length;
    const all = await waitFor(async () => {
      const l = await backend.logs('keeper', { tail: count });
      return l.at(-1)?.endsWith(' finished') ? l : undefined;
    });
    expect(all).toHaveLength(count);
    expect(all[0]).toMatch(/^\S+Z starting$/);
    for (const tail of [count, count - 5, 30]) {
      const shown = (await backend.logs('keeper', { tail })).join('\n');
      expect(fragmentsShown(key.secret, shown), `tail ${tail}`).toEqual([]);
      expect(fragmentsShown(seed.secret, shown), `tail ${tail}`).toEqual([]);
    }
  });

  it.skipIf(b.skip)('GIVEN a member that crashes on start THEN it is exited with its code, and a died event says so', async () => {
    const { backend, events } = backendOf([b.agent('crasher', "console.error('boom: missing config'); process.exit(3)")]);
    await backend.startAll();
    await waitFor(() => events.find((e) => e.type === 'died'), { what: 'died event' });
    expect(events.find((e) => e.type === 'died')).toMatchObject({ member: 'crasher', code: 3, signal: null, expected: false });
    expect(await state(backend, 'crasher')).toMatchObject({ state: 'exited', lastExit: { code: 3 } });
    expect((await backend.logs('crasher', { tail: 5 })).join('\n')).toContain('boom: missing config');
  });

  it.skipIf(b.skip)('GIVEN a restart THEN a new run starts, restarts counts it, and the stop was expected', async () => {
    const { backend, events } = backendOf([b.agent('worker', 'setInterval(() => {}, 1000)')]);
    await backend.startAll();
    const before = await state(backend, 'worker');
    await backend.restart('worker');
    const after = await state(backend, 'worker');
    expect(after.pid).not.toBe(before.pid);
    expect(after.startedAt).toBeGreaterThan(before.startedAt!);
    expect(after.restarts).toBe(1);
    expect(isAlive(before.pid!)).toBe(false);
    await waitFor(() => (events.filter((e) => e.type === 'started').length === 2 ? true : undefined), { what: 'two started events' });
    expect(events.filter((e) => e.type === 'died')).toEqual([expect.objectContaining({ member: 'worker', expected: true })]);
  });

  it.skipIf(b.skip)('GIVEN a member that ignores SIGTERM THEN stop kills it after the stop timeout, and it shows as stopped', async () => {
    const { backend, events } = backendOf([b.agent('stubborn', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)")], 1000);
    await backend.startAll();
    await waitFor(async () => (await backend.logs('stubborn', { tail: 1 })).length > 0 || undefined);
    const { pid } = await state(backend, 'stubborn');
    const began = Date.now();
    await backend.stop('stubborn');
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    expect(isAlive(pid!)).toBe(false);
    expect(await state(backend, 'stubborn')).toMatchObject({ state: 'stopped', lastExit: b.stoppedHard });
    await waitFor(() => events.find((e) => e.type === 'died'), { what: 'died event' });
    expect(events.find((e) => e.type === 'died')).toMatchObject({ member: 'stubborn', expected: true });
  });

  it.skipIf(b.skip)('GIVEN start or stop of a member already in that state THEN nothing happens (like Docker 304)', async () => {
    const { backend } = backendOf([b.agent('idle', 'setInterval(() => {}, 1000)')]);
    await backend.startAll();
    const { pid, startedAt } = await state(backend, 'idle');
    await Promise.all([backend.start('idle'), backend.start('idle')]);
    expect(await state(backend, 'idle')).toMatchObject({ pid, startedAt });
    await backend.stop('idle');
    await backend.stop('idle');
    expect(await state(backend, 'idle')).toMatchObject({ state: 'stopped', restarts: 0 });
  });
});
