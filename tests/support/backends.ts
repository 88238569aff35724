import type { Member } from '../../mcp-fleet/manifest.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { DOCKER_ENV, dockerSkip, killContainer, TEST_IMAGE, TEST_SERVER_SCRIPT } from './docker.js';
import { member, testServer } from './fleet.js';

/** The fleet backends behaviour tests run against, each with what differs: how members are made and killed. */

export interface BackendUnderTest {
  kind: 'process' | 'docker';
  /** For test titles: the backend, and why its tests skip in this run if they do. */
  title: string;
  /** Why this backend's tests skip in this run. */
  skip?: string;
  /** FLEET_BACKEND and what goes with it, for fleetbot's configuration. */
  env: Record<string, string>;
  /** Health timings for fast tests: a container check costs a process per check, so Docker's are slower. */
  health: Record<string, unknown>;
  /** The test MCP server as a member (`transport` is a wish the docker backend overrides: it only speaks http). */
  testServer(name: string, transport: 'stdio' | 'http', extra?: Record<string, unknown>, flags?: string[]): Promise<Member>;
  /** SIGKILL to the member, as an operator's `kill -9` or `docker kill` would send it. */
  kill(fleet: string, name: string, pid: number | undefined): Promise<void>;
  /** How the healer words that death. */
  killed: string;
}

/** The container health check of the test server and of fleetbot's own servers: GET /healthz on the member's port. */
export const HEALTHZ = ['CMD', 'node', '-e', "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"];

export const BACKENDS: BackendUnderTest[] = [
  {
    kind: 'process',
    title: 'process backend',
    env: {},
    health: { interval: '200ms', timeout: '400ms', retries: 2, start_period: '10s' },
    testServer: async (name, transport, extra, flags) => testServer(name, transport, extra, flags),
    async kill(_fleet, _name, pid) {
      process.kill(pid!, 'SIGKILL');
    },
    killed: 'was killed (SIGKILL)',
  },
  {
    kind: 'docker',
    title: dockerSkip ? `docker backend — skipped: ${dockerSkip}` : 'docker backend',
    skip: dockerSkip,
    env: DOCKER_ENV,
    health: { interval: '500ms', timeout: '1s', retries: 2, start_period: '10s', test: HEALTHZ },
    async testServer(name, _transport, extra = {}, flags = []) {
      return member({ name, transport: 'http', image: TEST_IMAGE, port: await freePort(), command: [TEST_SERVER_SCRIPT, '--http', '${PORT}', ...flags], ...extra });
    },
    kill: (fleet, name) => killContainer(fleet, name),
    // docker-init reports its child's death by SIGKILL as exit 128 + 9, and so does the engine.
    killed: 'died (exit 137)',
  },
];
