import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../mcp-fleet/ports.js';
import { runToEnd } from '../support/cli.js';
import { ROOT, waitFor } from '../support/fleet.js';
import { holdDeployPorts } from '../support/lock.js';
import { holdSwarm, manager, REGISTRY, removeFleetServices, SWARM_DIR, SWARM_ENV, SWARM_FLEETBOT_IMAGE, swarmSkip, worker, WORKER_HOST } from '../support/swarm.js';

// The stack deploy as an operator runs it: the same docker-compose.yml as the compose deploy, given to
// `docker stack deploy` on the two-node swarm (images from the swarm's registry, never resolved remotely, the fleet
// service on the swarm backend with the manager's socket), every service healthy on whichever node it landed, /status
// through the console transport in the bot's task, and `docker stack rm` leaving nothing.

const REDIS_IMAGE = `${REGISTRY}/${process.env.REDIS_IMAGE ?? 'fleetbot-redis:local'}`;
const MEMBERS = ['blockchain', 'monitoring', 'task-queue', 'price-feed', 'liquidity', 'arbitrage', 'flash-loan', 'risk-manager', 'portfolio'];
const AGENT_SERVICES = ['fleet', 'healer', 'scanner', 'risk', 'executor', 'reporter', 'bot'];
const stack = `fbstack${randomUUID().slice(0, 8)}`;
const NAMESPACE = 'com.docker.stack.namespace';
/** Both nodes' engines, each with its DOCKER_HOST (made once: the instances tell the nodes apart). */
let nodes: { engine: Docker; host: string }[] = [];
const engines = () => nodes.map((n) => n.engine);

function secretFile(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text, { mode: 0o644 });
  return file;
}

const docker = (env: Record<string, string | undefined>, args: string[], input = '') => runToEnd('docker', args, { input, env, cwd: ROOT });

/** Every container of the stack, on both nodes, with the engine it runs on. */
async function containers(): Promise<{ engine: Docker; info: Docker.ContainerInfo }[]> {
  const lists = await Promise.all(engines().map(async (engine) => (await engine.listContainers({ all: true, filters: { label: [`${NAMESPACE}=${stack}`] } })).map((info) => ({ engine, info }))));
  return lists.flat();
}
const serviceOf = (c: Docker.ContainerInfo) => c.Labels['com.docker.swarm.service.name']!.slice(stack.length + 1);

const taken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
  });

let teardown: (() => Promise<unknown>) | undefined;
const releases: (() => Promise<void>)[] = [];
afterAll(async () => {
  await teardown?.();
  for (const release of releases.reverse()) await release();
});

describe.skipIf(swarmSkip)(`docker stack deploy of docker-compose.yml${swarmSkip ? ` — skipped: ${swarmSkip}` : ''}`, () => {
  // The swarm to itself (other files stop its worker and drain nodes), and the deploy fleet's fixed member ports
  // (tests/e2e/compose.test.ts uses them too); the wait for them is not the test's time.
  beforeAll(async () => {
    releases.push(await holdSwarm(), await holdDeployPorts());
    nodes = [{ engine: manager(), host: SWARM_ENV.DOCKER_HOST }, { engine: worker(), host: WORKER_HOST }];
  }, 1_200_000);

  it('GIVEN the compose file deployed as a stack THEN every service runs its replicas healthy over both nodes, /status shows every member healthy, and stack rm leaves nothing', async () => {
    const secrets = mkdtempSync(path.join(tmpdir(), 'fleetbot-stack-'));
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DOCKER_HOST: SWARM_ENV.DOCKER_HOST,
      FLEET_BACKEND: 'swarm',
      // Registry-qualified, so that the worker finds them; `--resolve-image never` keeps the engine from asking.
      FLEETBOT_IMAGE: SWARM_FLEETBOT_IMAGE,
      REDIS_IMAGE,
      REDIS_PORT: String(await freePort()),
      DASHBOARD_PORT: String(await freePort()),
      REDIS_PREFIX: stack,
      DOCKER_SOCKET: `${SWARM_DIR}/manager/docker.sock`,
      REDIS_PASSWORD_FILE: secretFile(secrets, 'redis_password', `requirepass ${randomBytes(24).toString('hex')}\n`),
      DASHBOARD_TOKEN_FILE: secretFile(secrets, 'dashboard_token', `${randomBytes(24).toString('hex')}\n`),
      BOT_ENV_FILE: 'deploy/bot.env.example',
      CHAIN_ENV_FILE: 'deploy/chain.env.example',
      EXECUTOR_ENV_FILE: 'deploy/executor.env.example',
    };
    const volumes = async () => (await Promise.all(engines().map((e) => e.listVolumes({ filters: { label: [`${NAMESPACE}=${stack}`] } })))).flatMap((v) => v.Volumes ?? []);
    // `docker stack rm` removes services, secrets and networks; volumes are the operator's to remove (their data).
    const removeStack = async () => {
      const removed = await docker(env, ['stack', 'rm', stack]);
      await waitFor(async () => ((await containers()).length === 0 ? true : undefined), { what: 'the stack\'s containers gone', timeoutMs: 60_000, everyMs: 500 });
      for (const engine of engines()) for (const volume of (await engine.listVolumes({ filters: { label: [`${NAMESPACE}=${stack}`] } })).Volumes ?? []) await engine.getVolume(volume.Name).remove();
      return removed;
    };
    const cleanUp = async () => {
      await removeFleetServices(stack);
      rmSync(secrets, { recursive: true, force: true });
    };
    teardown = async () => {
      await removeStack().catch(() => undefined);
      await cleanUp();
    };

    for (const port of MEMBERS.map((_, i) => 7301 + i)) if (await taken(port)) throw new Error(`port ${port} on 127.0.0.1 is taken: the stack's fleet needs it`);
    const started = Date.now();
    const deployed = await docker(env, ['stack', 'deploy', '--resolve-image', 'never', '-c', 'docker-compose.yml', stack]);
    expect(deployed.code, deployed.stderr).toBe(0);

    // Every service at its desired replicas, each task's container running and healthy (blockchain has no container
    // check: fleetbot judges it by MCP ping and its RPC).
    const services = await manager().listServices({ filters: { label: [`${NAMESPACE}=${stack}`] } });
    expect(services.map((s) => s.Spec!.Name!.slice(stack.length + 1)).sort()).toEqual(['redis', ...MEMBERS, ...AGENT_SERVICES].sort());
    const desired = Object.fromEntries(services.map((s) => [s.Spec!.Name!.slice(stack.length + 1), s.Spec!.Mode!.Replicated!.Replicas!]));
    const healthy = await waitFor(async () => {
      const all = await containers();
      const ready = all.filter(({ info }) => info.State === 'running' && (serviceOf(info) === 'blockchain' || info.Status.includes('(healthy)')));
      const counts = Object.fromEntries(Object.keys(desired).map((name) => [name, ready.filter(({ info }) => serviceOf(info) === name).length]));
      return Object.entries(desired).every(([name, n]) => counts[name] === n) ? all : undefined;
    }, { what: 'every service of the stack healthy', timeoutMs: 180_000, everyMs: 1000 });
    const healthyAfter = (Date.now() - started) / 1000;
    // Spread over both nodes: the swarm, not one engine, runs it.
    expect(new Set(healthy.map(({ engine }) => engine)).size).toBe(2);
    // Host networking: the engine's own host network, no overlay network made for the stack.
    expect((await manager().listNetworks({ filters: { label: [`${NAMESPACE}=${stack}`] } })).map((n) => n.Name)).toEqual([]);

    // The console transport in the bot's task, on whichever node it runs: the fleet service, on the swarm backend,
    // adopted the stack's member services.
    const bot = healthy.find(({ info }) => serviceOf(info) === 'bot')!;
    const host = nodes.find((n) => n.engine === bot.engine)!.host;
    const ask = async (request: string) => (await docker({ ...env, DOCKER_HOST: host }, ['exec', '-i', '-e', 'DASHBOARD_PORT=0', bot.info.Id, 'node', '/app/bin/fleetbot.js', 'bot'], `${request}\n`)).stdout;
    const status = await waitFor(async () => {
      const out = await ask('/status');
      return out.startsWith('✔ fleet: 9 members — 9 healthy') ? out : undefined;
    }, { what: '/status all healthy', timeoutMs: 60_000, everyMs: 1000 });
    const rows = status.split('\n').filter((l) => MEMBERS.some((m) => l.startsWith(`${m} `)));
    expect(rows.map((r) => r.split(/ +/).slice(0, 4))).toEqual(MEMBERS.map((m) => [m, 'running', 'healthy', '1/1']));
    expect(await ask('/agents')).toMatch(/^✔ 8 agents alive/);
    // fleetbot made no service of its own: the stack's are the fleet's.
    expect((await manager().listServices({ filters: { label: [`fleetbot.fleet=${stack}`] } })).every((s) => s.Spec!.Labels![NAMESPACE] === stack)).toBe(true);

    const removed = await removeStack();
    teardown = cleanUp;
    expect(removed.code, removed.stderr).toBe(0);
    expect(await manager().listServices({ filters: { label: [`${NAMESPACE}=${stack}`] } })).toEqual([]);
    expect(await manager().listServices({ filters: { label: [`fleetbot.fleet=${stack}`] } })).toEqual([]);
    await waitFor(async () => ((await manager().listSecrets({ filters: { label: [`${NAMESPACE}=${stack}`] } })).length === 0 ? true : undefined), { what: 'the stack\'s secrets gone', timeoutMs: 30_000 });
    expect(await containers()).toEqual([]);
    expect(await volumes()).toEqual([]);
    console.log(`stack ${stack}: every service healthy ${healthyAfter.toFixed(1)} s after deploy`);
  }, 300_000);
});
