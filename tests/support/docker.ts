import path from 'node:path';
import Docker from 'dockerode';
import { loadEnvConfig } from '../../config/index.js';
import { LABELS } from '../../mcp-fleet/backends/docker.js';
import { SUPPORT } from './fleet.js';

/**
 * The Docker engine for tests: DOCKER_HOST as the docker CLI reads it, else the default socket, with fleetbot's image
 * (FLEETBOT_IMAGE, default fleetbot:local) on it. Without them the Docker tests skip, saying why — unless
 * FLEETBOT_REQUIRE_DOCKER=1 (CI), which turns a missing engine into a failed run.
 * Side effects: builds the test server's image; kills containers of test fleets.
 */

export const FLEETBOT_IMAGE = process.env.FLEETBOT_IMAGE ?? 'fleetbot:local';
export const TEST_IMAGE = 'fleetbot-test:local';
/** test-server.mjs inside TEST_IMAGE, whose entrypoint is node. */
export const TEST_SERVER_SCRIPT = '/app/tests/support/mcp/test-server.mjs';
export const DOCKER_ENV = { FLEET_BACKEND: 'docker', DOCKER_HOST: process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock' };
const connection = loadEnvConfig(DOCKER_ENV).docker;

export const docker = () => new Docker(connection);

/** For the global setup: makes the test image; returns why Docker tests cannot run here, if they cannot. */
export async function prepareDocker(): Promise<string | undefined> {
  const engine = docker();
  try {
    await engine.ping();
  } catch (error) {
    return `no Docker engine at ${DOCKER_ENV.DOCKER_HOST} (${(error as Error).message})`;
  }
  try {
    await engine.getImage(FLEETBOT_IMAGE).inspect();
  } catch {
    return `no ${FLEETBOT_IMAGE} image on the engine: build it as .ci/run does`;
  }
  const build = await engine.buildImage({ context: path.join(SUPPORT, 'mcp'), src: ['Dockerfile', 'test-server.mjs'] }, { t: TEST_IMAGE, buildargs: { FLEETBOT_IMAGE } });
  const output = await new Promise<{ error?: string }[]>((resolve, reject) => engine.modem.followProgress(build, (error, result) => (error ? reject(error) : resolve(result))));
  const failed = output.find((line) => line.error);
  if (failed) throw new Error(`cannot build ${TEST_IMAGE}: ${failed.error}`);
  return undefined;
}

/** Why the Docker tests skip in this run (set by the global setup); undefined when they run. */
export const dockerSkip: string | undefined = process.env.FLEETBOT_DOCKER_SKIP || undefined;

/** The container of a test fleet's member. */
export async function memberContainer(fleet: string, member: string): Promise<Docker.Container> {
  const [found] = await docker().listContainers({ all: true, filters: { label: [`${LABELS.fleet}=${fleet}`, `${LABELS.member}=${member}`] } });
  if (!found) throw new Error(`no container for ${member} in fleet ${fleet}`);
  return docker().getContainer(found.Id);
}

/** `docker kill --signal SIGKILL` of a member's container. */
export async function killContainer(fleet: string, member: string): Promise<void> {
  await (await memberContainer(fleet, member)).kill({ signal: 'SIGKILL' });
}
