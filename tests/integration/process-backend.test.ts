import { afterEach, describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../mcp-fleet/backends/index.js';
import { ProcessBackend } from '../../mcp-fleet/backends/process.js';
import type { Member } from '../../config/manifest.js';
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

const state = async (backend: ProcessBackend, name: string) => (await backend.list()).find((s) => s.name === name)!;

afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close()));
});

describe('process backend', () => {
  it('GIVEN a program that does not exist THEN the member is exited with the reason', async () => {
    const { backend } = backendOf([member({ name: 'ghost', kind: 'agent', command: ['no-such-program-fleetbot'] })]);
    await backend.startAll();
    expect(await state(backend, 'ghost')).toMatchObject({ state: 'exited', lastExit: { error: expect.stringContaining('ENOENT') } });
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
});
