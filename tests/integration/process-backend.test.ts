import { afterEach, describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../mcp-fleet/backends/index.js';
import { ProcessBackend } from '../../mcp-fleet/backends/process.js';
import type { Member } from '../../mcp-fleet/manifest.js';
import { createLogger } from '../../telemetry/logger.js';
import { member, ROOT, waitFor } from '../support/fleet.js';
import { isAlive } from '../support/processes.js';

const log = createLogger({ level: 'error' });
const backends: ProcessBackend[] = [];

function backendOf(members: Member[], stopTimeoutMs = 5000) {
  const backend = new ProcessBackend({ members, vars: { PATH: process.env.PATH, GREETING: 'hi' }, cwd: ROOT, log, stopTimeoutMs });
  backends.push(backend);
  const events: FleetEvent[] = [];
  void (async () => {
    for await (const event of backend.events()) events.push(event);
  })();
  return { backend, events };
}

const agent = (name: string, script: string, extra: Record<string, unknown> = {}) => member({ name, kind: 'agent', command: ['node', '-e', script], ...extra });
const state = async (backend: ProcessBackend, name: string) => (await backend.list()).find((s) => s.name === name)!;

afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close()));
});

describe('process backend', () => {
  it('GIVEN a member THEN it runs with only the variables named for it, and its output is kept with timestamps', async () => {
    const { backend } = backendOf([
      agent('talker', "console.log('out', process.env.GREETING, process.env.SECRET ?? 'no-secret'); console.error('err line'); setInterval(() => {}, 1000)", { env: { GREETING: '${GREETING}!' } }),
    ]);
    await backend.startAll();
    const lines = await waitFor(async () => {
      const l = await backend.logs('talker', { tail: 10 });
      return l.length >= 2 ? l : undefined;
    });
    expect(lines.map((l) => l.slice(25)).sort()).toEqual(['err line', 'out hi! no-secret']);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    expect(await state(backend, 'talker')).toMatchObject({ state: 'running', restarts: 0 });
    expect(await backend.logs('talker', { tail: 1 })).toHaveLength(1);
  });

  it('GIVEN a member that crashes on start THEN it is exited with its code, and a died event says so', async () => {
    const { backend, events } = backendOf([agent('crasher', "console.error('boom: missing config'); process.exit(3)")]);
    await backend.startAll();
    await waitFor(() => events.find((e) => e.type === 'died'), { what: 'died event' });
    expect(events.find((e) => e.type === 'died')).toMatchObject({ member: 'crasher', code: 3, signal: null, expected: false });
    expect(await state(backend, 'crasher')).toMatchObject({ state: 'exited', lastExit: { code: 3 } });
    expect((await backend.logs('crasher', { tail: 5 })).join('\n')).toContain('boom: missing config');
  });

  it('GIVEN a program that does not exist THEN the member is exited with the reason', async () => {
    const { backend } = backendOf([member({ name: 'ghost', kind: 'agent', command: ['no-such-program-fleetbot'] })]);
    await backend.startAll();
    expect(await state(backend, 'ghost')).toMatchObject({ state: 'exited', lastExit: { error: expect.stringContaining('ENOENT') } });
  });

  it('GIVEN a restart THEN a new process runs, restarts counts it, and the stop was expected', async () => {
    const { backend, events } = backendOf([agent('worker', 'setInterval(() => {}, 1000)')]);
    await backend.startAll();
    const before = await state(backend, 'worker');
    await backend.restart('worker');
    const after = await state(backend, 'worker');
    expect(after.pid).not.toBe(before.pid);
    expect(after.restarts).toBe(1);
    expect(isAlive(before.pid!)).toBe(false);
    expect(events.filter((e) => e.type === 'died')).toEqual([expect.objectContaining({ member: 'worker', expected: true, signal: 'SIGTERM' })]);
    expect(events.filter((e) => e.type === 'started')).toHaveLength(2);
  });

  it('GIVEN a member that ignores SIGTERM THEN stop kills it after the stop timeout', async () => {
    const { backend } = backendOf([agent('stubborn', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)")], 300);
    await backend.startAll();
    await waitFor(async () => (await backend.logs('stubborn', { tail: 1 })).length > 0 || undefined);
    const { pid } = await state(backend, 'stubborn');
    await backend.stop('stubborn');
    expect(isAlive(pid!)).toBe(false);
    expect(await state(backend, 'stubborn')).toMatchObject({ state: 'stopped', lastExit: { signal: 'SIGKILL' } });
  });

  it('GIVEN a member that started helpers of its own THEN stopping it stops them too', async () => {
    const { backend } = backendOf([member({ name: 'shell', kind: 'agent', command: ['sh', '-c', 'sleep 300 & echo helper $!; wait'] })]);
    await backend.startAll();
    const line = await waitFor(async () => (await backend.logs('shell', { tail: 5 })).find((l) => l.includes('helper')));
    const helper = Number(line.split('helper ')[1]);
    expect(isAlive(helper)).toBe(true);
    await backend.close();
    // The helper got the same SIGTERM as the shell; it may take a moment longer to go.
    await waitFor(() => (isAlive(helper) ? undefined : true), { what: 'helper gone', timeoutMs: 3000 });
  });

  it('GIVEN start or stop of a member already in that state THEN nothing happens (like Docker 304)', async () => {
    const { backend } = backendOf([agent('idle', 'setInterval(() => {}, 1000)')]);
    await backend.startAll();
    const { pid } = await state(backend, 'idle');
    await backend.start('idle');
    expect((await state(backend, 'idle')).pid).toBe(pid);
    await backend.stop('idle');
    await backend.stop('idle');
    expect(await state(backend, 'idle')).toMatchObject({ state: 'stopped', restarts: 0 });
  });
});
