import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../config/index.js';
import { DockerBackend, LABELS } from '../../mcp-fleet/backends/docker.js';
import type { FleetEvent } from '../../mcp-fleet/backends/index.js';
import type { Member } from '../../config/manifest.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { createLogger } from '../../telemetry/logger.js';
import { docker, DOCKER_ENV, dockerSkip, memberContainer, TEST_IMAGE, TEST_SERVER_SCRIPT } from '../support/docker.js';
import { member, waitFor } from '../support/fleet.js';

// What only the docker backend has, on a real engine: labels, a missing image, adoption of containers made by
// compose, the engine's health checks, cleaning up. What it shares with the process backend: fleet-backends.test.ts.

const log = createLogger({ level: 'error' });
const backends: DockerBackend[] = [];
const strays: string[] = [];

function backendOf(members: Member[], { fleet = `fbtest-${randomUUID().slice(0, 8)}`, stopTimeoutMs = 5000 } = {}) {
  const backend = new DockerBackend({ members, vars: {}, connection: loadEnvConfig(DOCKER_ENV).docker, fleet, log, stopTimeoutMs });
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
  it('GIVEN a member THEN its container is labelled for its fleet, on the host network with an init and no restart policy', async () => {
    const { backend, fleet } = backendOf([agent('talker', 'setInterval(() => {}, 1000)')]);
    await backend.startAll();
    const info = await (await memberContainer(fleet, 'talker')).inspect();
    expect(info.Config.Labels).toMatchObject({ [LABELS.fleet]: fleet, [LABELS.member]: 'talker' });
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'host', Init: true, RestartPolicy: { Name: 'no' } });
    expect(info.Config.Env).toContain('FLEETBOT_MEMBER=talker');
  });

  it('GIVEN an image the engine does not have THEN the member is exited with the reason, and fleetbot runs on', async () => {
    const { backend, events } = backendOf([member({ name: 'ghost', kind: 'agent', image: 'fleetbot-no-such-image:never' })]);
    await backend.startAll();
    expect(await state(backend, 'ghost')).toMatchObject({ state: 'exited', lastExit: { code: null, error: expect.stringContaining('image fleetbot-no-such-image:never is not on this Docker engine') } });
    expect(events).toEqual([expect.objectContaining({ type: 'died', member: 'ghost', expected: false })]);
  });

  it('GIVEN a restart THEN the MCP endpoint is a new instance, and none while stopped', async () => {
    const port = await freePort();
    const { backend } = backendOf([member({ name: 'server', transport: 'http', image: TEST_IMAGE, port, command: [TEST_SERVER_SCRIPT, '--http', '${PORT}'] })]);
    await backend.startAll();
    const endpoint = backend.endpoint('server');
    expect(endpoint).toMatchObject({ transport: 'http', url: `http://127.0.0.1:${port}/mcp` });
    await backend.restart('server');
    expect(backend.endpoint('server')!.instance).not.toBe(endpoint!.instance);
    await backend.stop('server');
    expect(backend.endpoint('server')).toBeUndefined();
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
