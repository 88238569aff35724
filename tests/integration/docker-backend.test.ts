import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../config/index.js';
import { DockerBackend, LABELS } from '../../mcp-fleet/backends/docker.js';
import type { FleetEvent } from '../../mcp-fleet/backends/index.js';
import type { Member } from '../../mcp-fleet/manifest.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { createLogger } from '../../telemetry/logger.js';
import { docker, DOCKER_ENV, dockerSkip, memberContainer, TEST_IMAGE, TEST_SERVER_SCRIPT } from '../support/docker.js';
import { member, waitFor } from '../support/fleet.js';

// The docker backend on a real engine, case by case as the process backend's tests (parity), plus what only
// containers have: labels, adoption of containers made by compose, the engine's health checks.

const log = createLogger({ level: 'error' });
const backends: DockerBackend[] = [];
const strays: string[] = [];

function backendOf(members: Member[], { fleet = `fbtest-${randomUUID().slice(0, 8)}`, stopTimeoutMs = 5000 } = {}) {
  const backend = new DockerBackend({ members, vars: { GREETING: 'hi', SECRET: 'hunter2' }, connection: loadEnvConfig(DOCKER_ENV).docker, fleet, log, stopTimeoutMs });
  backends.push(backend);
  const events: FleetEvent[] = [];
  void (async () => {
    for await (const event of backend.events()) events.push(event);
  })();
  return { backend, events, fleet };
}

const agent = (name: string, script: string, extra: Record<string, unknown> = {}) => member({ name, kind: 'agent', image: TEST_IMAGE, command: ['-e', script], ...extra });
const state = async (backend: DockerBackend, name: string) => (await backend.list()).find((s) => s.name === name)!;

afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close()));
  await Promise.all(strays.splice(0).map((id) => docker().getContainer(id).remove({ force: true })));
});

describe.skipIf(dockerSkip)(`docker backend${dockerSkip ? ` — skipped: ${dockerSkip}` : ''}`, () => {
  it('GIVEN a member THEN its container is labelled, on the host network with an init, has only its variables, and its stdout and stderr come back timestamped', async () => {
    const { backend, fleet } = backendOf([
      agent('talker', "console.log('out', process.env.GREETING, process.env.SECRET ?? 'no-secret'); console.error('err line'); setInterval(() => {}, 1000)", { env: { GREETING: '${GREETING}!' } }),
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
    const info = await (await memberContainer(fleet, 'talker')).inspect();
    expect(info.Config.Labels).toMatchObject({ [LABELS.fleet]: fleet, [LABELS.member]: 'talker' });
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'host', Init: true, RestartPolicy: { Name: 'no' } });
  });

  it('GIVEN a member that crashes on start THEN it is exited with its code, and a died event says so', async () => {
    const { backend, events } = backendOf([agent('crasher', "console.error('boom: missing config'); process.exit(3)")]);
    await backend.startAll();
    await waitFor(() => events.find((e) => e.type === 'died'), { what: 'died event' });
    expect(events.find((e) => e.type === 'died')).toMatchObject({ member: 'crasher', code: 3, signal: null, expected: false });
    expect(await state(backend, 'crasher')).toMatchObject({ state: 'exited', lastExit: { code: 3 } });
    expect((await backend.logs('crasher', { tail: 5 })).join('\n')).toContain('boom: missing config');
  });

  it('GIVEN an image the engine does not have THEN the member is exited with the reason, and fleetbot runs on', async () => {
    const { backend, events } = backendOf([member({ name: 'ghost', kind: 'agent', image: 'fleetbot-no-such-image:never' })]);
    await backend.startAll();
    expect(await state(backend, 'ghost')).toMatchObject({ state: 'exited', lastExit: { code: null, error: expect.stringContaining('image fleetbot-no-such-image:never is not on this Docker engine') } });
    expect(events).toEqual([expect.objectContaining({ type: 'died', member: 'ghost', expected: false })]);
  });

  it('GIVEN a restart THEN a new run starts, restarts counts it, the stop was expected, and the MCP endpoint is new', async () => {
    const port = await freePort();
    const { backend, events } = backendOf([member({ name: 'server', transport: 'http', image: TEST_IMAGE, port, command: [TEST_SERVER_SCRIPT, '--http', '${PORT}'] })]);
    await backend.startAll();
    const before = await state(backend, 'server');
    const endpoint = backend.endpoint('server');
    expect(endpoint).toMatchObject({ transport: 'http', url: `http://127.0.0.1:${port}/mcp` });
    await backend.restart('server');
    const after = await state(backend, 'server');
    expect(after.startedAt).toBeGreaterThan(before.startedAt!);
    expect(after.restarts).toBe(1);
    expect(backend.endpoint('server')!.instance).not.toBe(endpoint!.instance);
    await waitFor(() => (events.filter((e) => e.type === 'started').length === 2 ? true : undefined), { what: 'two started events' });
    expect(events.filter((e) => e.type === 'died')).toEqual([expect.objectContaining({ member: 'server', expected: true })]);
    await backend.stop('server');
    expect(backend.endpoint('server')).toBeUndefined();
  });

  it('GIVEN a member that ignores SIGTERM THEN stop kills it after the stop timeout, and it shows as stopped', async () => {
    const { backend, events } = backendOf([agent('stubborn', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)")], { stopTimeoutMs: 1000 });
    await backend.startAll();
    await waitFor(async () => (await backend.logs('stubborn', { tail: 1 })).length > 0 || undefined);
    const began = Date.now();
    await backend.stop('stubborn');
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    expect(await state(backend, 'stubborn')).toMatchObject({ state: 'stopped', lastExit: { code: 137 } });
    await waitFor(() => events.find((e) => e.type === 'died'), { what: 'died event' });
    expect(events.find((e) => e.type === 'died')).toMatchObject({ code: 137, expected: true });
  });

  it('GIVEN start or stop of a member already in that state THEN nothing happens (the engine answers 304)', async () => {
    const { backend } = backendOf([agent('idle', 'setInterval(() => {}, 1000)')]);
    await backend.startAll();
    const { startedAt } = await state(backend, 'idle');
    await Promise.all([backend.start('idle'), backend.start('idle')]);
    expect((await state(backend, 'idle')).startedAt).toBe(startedAt);
    await backend.stop('idle');
    await backend.stop('idle');
    expect(await state(backend, 'idle')).toMatchObject({ state: 'stopped', restarts: 0 });
  });

  it('GIVEN containers made by someone else (compose) THEN the fleet adopts its own by label, ignores other fleets, and leaves them running on close', async () => {
    const fleet = `fbtest-${randomUUID().slice(0, 8)}`;
    const made = async (owner: string) => {
      const container = await docker().createContainer({
        Image: TEST_IMAGE,
        Cmd: ['-e', 'setInterval(() => {}, 1000)'],
        Labels: { [LABELS.fleet]: owner, [LABELS.member]: 'oracle' },
        HostConfig: { NetworkMode: 'host', Init: true },
      });
      strays.push(container.id);
      await container.start();
      return container.id;
    };
    const ours = await made(fleet);
    await made(`${fleet}-other`);
    const { backend } = backendOf([agent('oracle', 'unused')], { fleet });
    await backend.startAll();
    const info = await docker().getContainer(ours).inspect();
    expect((await state(backend, 'oracle')).startedAt).toBe(Date.parse(info.State.StartedAt));
    await backend.restart('oracle');
    expect((await state(backend, 'oracle')).restarts).toBe(1);
    await backend.close();
    expect((await docker().getContainer(ours).inspect()).State.Running).toBe(true);
  });

  it('GIVEN a container health check THEN it decides: healthy and unhealthy come as events, with the check output as the reason', async () => {
    const health = { interval: '300ms', timeout: '1s', retries: 1, start_period: '0s' };
    const { backend, events, fleet } = backendOf([
      member({ name: 'checked', kind: 'agent', image: TEST_IMAGE, command: ['-e', 'setInterval(() => {}, 1000)'], health: { ...health, test: ['CMD', 'node', '-e', "require('fs').existsSync('/tmp/sick') && (console.log('sick: /tmp/sick exists'), process.exit(1))"] } }),
    ]);
    await backend.startAll();
    await waitFor(() => events.find((e) => e.type === 'healthy'), { what: 'healthy event' });
    expect((await state(backend, 'checked')).check).toMatchObject({ status: 'healthy', failures: 0 });
    const exec = await (await memberContainer(fleet, 'checked')).exec({ Cmd: ['node', '-e', "require('fs').writeFileSync('/tmp/sick', '')"] });
    await exec.start({});
    await waitFor(() => events.find((e) => e.type === 'unhealthy'), { what: 'unhealthy event' });
    expect((await state(backend, 'checked')).check).toMatchObject({ status: 'unhealthy', failures: 1, reason: 'sick: /tmp/sick exists' });
  });

  it('GIVEN the backend closes THEN the containers it made are gone', async () => {
    const { backend, fleet } = backendOf([agent('temp', 'setInterval(() => {}, 1000)')]);
    await backend.startAll();
    await backend.close();
    expect(await docker().listContainers({ all: true, filters: { label: [`${LABELS.fleet}=${fleet}`] } })).toEqual([]);
  });
});
