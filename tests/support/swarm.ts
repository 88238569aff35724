import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { loadEnvConfig } from '../../config/index.js';
import type { Member } from '../../config/manifest.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { member, SUPPORT, ROOT } from './fleet.js';
import { holdLock } from './lock.js';

/**
 * The two-node swarm for tests: made by deploy/local-swarm.sh (as .ci/run does), which writes the manager's and the
 * worker's sockets and the registry's address to `DIR/env`; FLEETBOT_SWARM_DIR names DIR. Fleetbot's image is in the
 * registry as 127.0.0.1:5000/fleetbot:local; the test server's image is built on it here and pushed there, so both
 * nodes can run it. Without a swarm the swarm tests skip, saying why — unless FLEETBOT_REQUIRE_SWARM=1 (CI).
 * Side effects: builds and pushes the test image; stops and starts the worker's engine when a test asks.
 */

const run = promisify(execFile);
export const SWARM_DIR = process.env.FLEETBOT_SWARM_DIR ?? '';
export const REGISTRY = '127.0.0.1:5000';
export const SWARM_FLEETBOT_IMAGE = `${REGISTRY}/${process.env.FLEETBOT_IMAGE ?? 'fleetbot:local'}`;
export const SWARM_TEST_IMAGE = `${REGISTRY}/fleetbot-test:local`;
export const SWARM_ENV = { FLEET_BACKEND: 'swarm', DOCKER_HOST: `unix://${SWARM_DIR}/manager/docker.sock` };
export const WORKER_HOST = `unix://${SWARM_DIR}/worker/docker.sock`;

export const manager = () => new Docker(loadEnvConfig(SWARM_ENV).docker);
export const worker = () => new Docker(loadEnvConfig({ DOCKER_HOST: WORKER_HOST }).docker);

/** For the global setup: checks the swarm, makes the test image on it; returns why swarm tests cannot run, if so. */
export async function prepareSwarm(): Promise<string | undefined> {
  if (!SWARM_DIR) return 'FLEETBOT_SWARM_DIR is not set: start a swarm with deploy/local-swarm.sh up DIR (as .ci/run does)';
  const engine = manager();
  try {
    const nodes = (await engine.listNodes()) as { Status: { State: string } }[];
    if (nodes.filter((n) => n.Status.State === 'ready').length < 2) return `the swarm at ${SWARM_ENV.DOCKER_HOST} has fewer than 2 ready nodes`;
  } catch (error) {
    return `no swarm manager at ${SWARM_ENV.DOCKER_HOST} (${(error as Error).message})`;
  }
  try {
    await engine.getImage(SWARM_FLEETBOT_IMAGE).inspect();
  } catch {
    return `no ${SWARM_FLEETBOT_IMAGE} on the manager: deploy/local-swarm.sh up DIR fleetbot:local pushes it`;
  }
  const build = await engine.buildImage({ context: path.join(SUPPORT, 'mcp'), src: ['Dockerfile', 'test-server.mjs'] }, { t: SWARM_TEST_IMAGE, buildargs: { FLEETBOT_IMAGE: SWARM_FLEETBOT_IMAGE } });
  const built = await followed(engine, build);
  if (built) throw new Error(`cannot build ${SWARM_TEST_IMAGE}: ${built}`);
  // Through the loopback registry to the worker, ahead of the first test that needs it there.
  const pushed = await followed(engine, await engine.getImage(SWARM_TEST_IMAGE).push({ authconfig: {} }));
  if (pushed) throw new Error(`cannot push ${SWARM_TEST_IMAGE}: ${pushed}`);
  const pulled = await followed(worker(), await worker().pull(SWARM_TEST_IMAGE));
  if (pulled) throw new Error(`the worker cannot pull ${SWARM_TEST_IMAGE}: ${pulled}`);
  return undefined;
}

async function followed(engine: Docker, stream: NodeJS.ReadableStream): Promise<string | undefined> {
  const output = await new Promise<{ error?: string }[]>((resolve, reject) => engine.modem.followProgress(stream, (error, result) => (error ? reject(error) : resolve(result))));
  return output.find((line) => line.error)?.error;
}

/** Why the swarm tests skip in this run (set by the global setup); undefined when they run. */
export const swarmSkip: string | undefined = process.env.FLEETBOT_SWARM_SKIP || undefined;

/** Stops or starts the worker's engine (deploy/local-swarm.sh worker-stop / worker-start). */
export async function workerEngine(action: 'stop' | 'start'): Promise<void> {
  await run(path.join(ROOT, 'deploy/local-swarm.sh'), [`worker-${action}`, SWARM_DIR], { timeout: 60_000 });
}

/** `docker kill` of a member's container on the worker, found by its task. */
export async function killOnWorker(taskId: string): Promise<void> {
  const [container] = await worker().listContainers({ filters: { label: [`com.docker.swarm.task.id=${taskId}`] } });
  if (!container) throw new Error(`task ${taskId} has no container on the worker`);
  await worker().getContainer(container.Id).kill({ signal: 'SIGKILL' });
}

/**
 * One test file at a time on the swarm: files stop the worker's engine and drain nodes, which the others must not
 * see. A lock directory in the swarm's own directory, taken over when the process that holds it is gone.
 */
export const holdSwarm = (timeoutMs = 600_000) => holdLock(path.join(SWARM_DIR, 'test-lock'), 'the swarm', timeoutMs);

/** Removes every service of a test fleet: a safety net for a stack that could not stop in time. */
export async function removeFleetServices(fleet: string): Promise<void> {
  const services = await manager().listServices({ filters: { label: [`fleetbot.fleet=${fleet}`] } });
  await Promise.all(services.map((s) => manager().getService(s.ID).remove().catch(() => undefined)));
}

let ports: number | undefined;
/**
 * The test MCP server as a swarm member (over HTTP, on both nodes' shared host network), with health checks and a
 * restart policy quick enough for tests. Ten ports per member, one per possible slot: replicas on one host network
 * need their own.
 */
export async function swarmServer(name: string, extra: Record<string, unknown> = {}): Promise<Member> {
  const free = await freePort();
  ports ??= free - (free % 100);
  const port = ports;
  ports += 10;
  return member({
    name,
    transport: 'http',
    image: SWARM_TEST_IMAGE,
    port,
    command: ['/app/tests/support/mcp/test-server.mjs', '--http', '${PORT}'],
    // A busy 2-core machine starting six replicas at once: seconds before each listens.
    health: { interval: '300ms', timeout: '500ms', retries: 2, start_period: '15s' },
    restart: { policy: 'on-failure', max_restarts: 5, window: '1m', backoff_initial: '50ms', backoff_max: '1s' },
    placement: { preferences: [{ spread: 'node.id' }] },
    ...extra,
  });
}
