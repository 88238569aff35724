import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../config/index.js';
import { LABELS } from '../../mcp-fleet/backends/docker.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { docker, DOCKER_ENV, dockerSkip, FLEETBOT_IMAGE } from '../support/docker.js';
import { ROOT, waitFor } from '../support/fleet.js';
import { runToEnd } from '../support/cli.js';

// The compose deploy as an operator runs it: docker-compose.yml validated by docker-compose itself, then brought up
// on the engine, asked for /status through the console transport, one member killed, and taken down again.

const REDIS_IMAGE = process.env.REDIS_IMAGE ?? 'fleetbot-redis:local';
const MEMBERS = ['blockchain', 'monitoring', 'task-queue', 'price-feed', 'liquidity', 'arbitrage', 'flash-loan', 'risk-manager', 'portfolio'];
const MEMBER_PORTS = MEMBERS.map((_, i) => 7301 + i);
const AGENT_SERVICES = ['fleet', 'healer', 'scanner', 'risk', 'executor', 'reporter', 'bot'];
const project = `fbsmoke${randomUUID().slice(0, 8)}`;
const socket = loadEnvConfig(DOCKER_ENV).docker;

const composeVersion = await promisify(execFile)('docker-compose', ['version', '--short']).then(
  ({ stdout }) => stdout.trim(),
  () => undefined,
);
const noCompose = composeVersion ? undefined : 'no docker-compose on PATH';
if (noCompose && process.env.FLEETBOT_REQUIRE_DOCKER === '1') throw new Error(`FLEETBOT_REQUIRE_DOCKER=1 but ${noCompose}`);
const noStack =
  noCompose ??
  dockerSkip ??
  ('socketPath' in socket ? undefined : 'DOCKER_HOST is not a unix socket, which the fleet service mounts') ??
  (await docker().getImage(REDIS_IMAGE).inspect().then(() => undefined, () => `no ${REDIS_IMAGE} image: make it with deploy/local-base-images.sh, or set REDIS_IMAGE`));

function composeEnv(redisPort: number, dashboardPort: number) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DOCKER_HOST: DOCKER_ENV.DOCKER_HOST,
    COMPOSE_PROJECT_NAME: project,
    FLEETBOT_IMAGE,
    REDIS_IMAGE,
    REDIS_PORT: String(redisPort),
    DASHBOARD_PORT: String(dashboardPort),
    REDIS_PREFIX: project,
    DOCKER_SOCKET: 'socketPath' in socket ? socket.socketPath : '',
    BOT_ENV_FILE: 'deploy/bot.env.example',
    CHAIN_ENV_FILE: 'deploy/chain.env.example',
    EXECUTOR_ENV_FILE: 'deploy/executor.env.example',
  };
}

function compose(env: Record<string, string | undefined>, args: string[], input = '') {
  return runToEnd('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), ...args], { input, env, cwd: ROOT });
}

const taken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
  });

let teardown: (() => Promise<unknown>) | undefined;
afterAll(async () => {
  await teardown?.();
});

describe.skipIf(noCompose)(`docker-compose.yml${noCompose ? ` — skipped: ${noCompose}` : ''}`, () => {
  it('GIVEN the compose file THEN docker-compose config accepts it', async () => {
    const { code, stderr } = await compose(composeEnv(6379, 8080), ['config', '--quiet']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe.skipIf(noStack)(`compose deploy on a real engine${noStack ? ` — skipped: ${noStack}` : ''}`, () => {
  it('GIVEN up -d THEN every service turns healthy, /status shows every member healthy, a killed member comes back, and down leaves nothing', async () => {
    for (const port of MEMBER_PORTS) if (await taken(port)) throw new Error(`port ${port} on 127.0.0.1 is taken: the compose deploy's members need it`);
    const env = composeEnv(await freePort(), await freePort());
    teardown = () => compose(env, ['down', '--volumes', '--timeout', '5']);
    const up = await compose(env, ['up', '-d', '--no-build']);
    expect(up.code, up.stderr).toBe(0);

    const containers = () => docker().listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
    const service = (c: { Labels: Record<string, string> }) => c.Labels['com.docker.compose.service']!;
    await waitFor(async () => {
      const all = await containers();
      // blockchain's health is fleetbot's to judge (MCP ping and its RPC), the bot's is its Discord connection.
      return all.length === 17 && all.every((c) => c.State === 'running' && (['bot', 'blockchain'].includes(service(c)) || c.Status.includes('(healthy)'))) ? true : undefined;
    }, { what: 'every service healthy', timeoutMs: 150_000, everyMs: 1000 });
    expect((await containers()).map(service).sort()).toEqual(['redis', ...MEMBERS, ...AGENT_SERVICES].sort());

    // The console transport: a console bot in the bot's container, one request a line, as `docker attach` would be.
    const ask = async (request: string) => (await compose(env, ['exec', '-T', '-e', 'DASHBOARD_PORT=0', 'bot', 'node', '/app/bin/fleetbot.js', 'bot'], `${request}\n`)).stdout;
    const rows = (status: string) => status.split('\n').filter((l) => MEMBERS.some((m) => l.startsWith(`${m} `)));
    const status = await waitFor(async () => {
      const out = await ask('/status');
      return out.startsWith('✔ fleet: 9 members — 9 healthy') ? out : undefined;
    }, { what: '/status all healthy', timeoutMs: 60_000, everyMs: 1000 });
    expect(rows(status).map((r) => r.split(/ +/).slice(0, 3))).toEqual(MEMBERS.map((m) => [m, 'running', 'healthy']));
    expect(await ask('/agents')).toMatch(/^✔ 7 agents alive/);

    const [monitoring] = await docker().listContainers({ filters: { label: [`${LABELS.fleet}=${project}`, `${LABELS.member}=monitoring`] } });
    await docker().getContainer(monitoring!.Id).kill({ signal: 'SIGKILL' });
    const healed = await waitFor(async () => {
      const row = rows(await ask('/status')).find((r) => r.startsWith('monitoring'));
      return row && /^monitoring +running +healthy +\S+( s)? +1 /.test(row) ? row : undefined;
    }, { what: 'monitoring healed', timeoutMs: 60_000, everyMs: 1000 });
    expect(healed).toBeDefined();
    expect(await ask('/heal status monitoring')).toMatch(/monitoring died \(exit 137\) → restarted in [\d.]+ s, healthy/);

    const down = await compose(env, ['down', '--volumes', '--timeout', '5']);
    teardown = undefined;
    expect(down.code, down.stderr).toBe(0);
    expect(await containers()).toEqual([]);
    expect(await docker().listContainers({ all: true, filters: { label: [`${LABELS.fleet}=${project}`] } })).toEqual([]);
  }, 400_000);
});
