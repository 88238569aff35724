import { randomUUID } from 'node:crypto';
import { loadEnvConfig } from '../../config/index.js';
import { DockerBackend } from '../../mcp-fleet/backends/docker.js';
import type { FleetBackend, MemberState } from '../../mcp-fleet/backends/index.js';
import { ProcessBackend } from '../../mcp-fleet/backends/process.js';
import type { Member } from '../../config/manifest.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { createLogger } from '../../telemetry/logger.js';
import { DOCKER_ENV, dockerSkip, killContainer, TEST_IMAGE, TEST_SERVER_SCRIPT } from './docker.js';
import { member, ROOT, testServer } from './fleet.js';

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
  /** The backend alone over `members`, with GREETING=hi and SECRET=hunter2 in fleetbot's environment. */
  open(members: Member[], stopTimeoutMs?: number): FleetBackend;
  /** A worker member running a Node script. */
  agent(name: string, script: string, extra?: Record<string, unknown>): Member;
  /** How a member that ignored SIGTERM ended after the stop timeout. */
  stoppedHard: Partial<NonNullable<MemberState['lastExit']>>;
  /** The test MCP server as a member (`transport` is a wish the docker backend overrides: it only speaks http). */
  testServer(name: string, transport: 'stdio' | 'http', extra?: Record<string, unknown>, flags?: string[]): Promise<Member>;
  /** SIGKILL to the member, as an operator's `kill -9` or `docker kill` would send it. */
  kill(fleet: string, name: string, pid: number | undefined): Promise<void>;
  /** How the healer words that death. */
  killed: string;
}

/** The container health check of the test server and of fleetbot's own servers: GET /healthz on the member's port. */
export const HEALTHZ = ['CMD', 'node', '-e', "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"];

const log = createLogger({ level: 'error' });
const vars = { PATH: process.env.PATH, GREETING: 'hi', SECRET: 'hunter2' };

export const BACKENDS: BackendUnderTest[] = [
  {
    kind: 'process',
    title: 'process backend',
    env: {},
    health: { interval: '200ms', timeout: '400ms', retries: 2, start_period: '10s' },
    open: (members, stopTimeoutMs = 5000) => new ProcessBackend({ members, vars, cwd: ROOT, log, stopTimeoutMs }),
    agent: (name, script, extra = {}) => member({ name, kind: 'agent', command: ['node', '-e', script], ...extra }),
    stoppedHard: { signal: 'SIGKILL' },
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
    // A check is a fresh node process: under a loaded CI machine it can take a second by itself.
    health: { interval: '500ms', timeout: '2s', retries: 2, start_period: '10s', test: HEALTHZ },
    open: (members, stopTimeoutMs = 5000) =>
      new DockerBackend({ members, vars, connection: loadEnvConfig(DOCKER_ENV).docker, fleet: `fbtest-${randomUUID().slice(0, 8)}`, log, stopTimeoutMs }),
    agent: (name, script, extra = {}) => member({ name, kind: 'agent', image: TEST_IMAGE, command: ['-e', script], ...extra }),
    // docker-init reports its child's death by SIGKILL as 128 + 9.
    stoppedHard: { code: 137 },
    async testServer(name, _transport, extra = {}, flags = []) {
      return member({ name, transport: 'http', image: TEST_IMAGE, port: await freePort(), command: [TEST_SERVER_SCRIPT, '--http', '${PORT}', ...flags], ...extra });
    },
    kill: (fleet, name) => killContainer(fleet, name),
    // docker-init reports its child's death by SIGKILL as exit 128 + 9, and so does the engine.
    killed: 'died (exit 137)',
  },
];
