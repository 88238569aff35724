import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../config/index.js';
import { LABELS } from '../../mcp-fleet/backends/docker.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { docker, DOCKER_ENV, dockerSkip, FLEETBOT_IMAGE } from '../support/docker.js';
import { ROOT, waitFor } from '../support/fleet.js';
import { runToEnd } from '../support/cli.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { holdDeployPorts } from '../support/lock.js';

// The compose deploy as an operator runs it: docker-compose.yml validated by docker-compose itself, then brought up
// on the engine, asked for /status through the console transport, one member killed, Prometheus of the monitoring
// file (docker-compose.monitoring.yml) scraping it, and taken down again.

const REDIS_IMAGE = process.env.REDIS_IMAGE ?? 'fleetbot-redis:local';
const PROMETHEUS_IMAGE = process.env.PROMETHEUS_IMAGE ?? 'fleetbot-prometheus:local';
const ALERTMANAGER_IMAGE = process.env.ALERTMANAGER_IMAGE ?? 'fleetbot-alertmanager:local';
/** deploy/monitoring/prometheus.yml sends its alerts here. */
const ALERTMANAGER_PORT = 9093;
/** The port deploy/monitoring/prometheus.yml scrapes: the bot's default DASHBOARD_PORT. */
const DASHBOARD_PORT = 8080;
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
  (await missingImage(REDIS_IMAGE, 'REDIS_IMAGE')) ??
  (await missingImage(PROMETHEUS_IMAGE, 'PROMETHEUS_IMAGE')) ??
  (await missingImage(ALERTMANAGER_IMAGE, 'ALERTMANAGER_IMAGE'));

async function missingImage(image: string, variable: string): Promise<string | undefined> {
  return docker().getImage(image).inspect().then(
    () => undefined,
    () => `no ${image} image: make it with deploy/local-base-images.sh, or set ${variable}`,
  );
}

/** A dashboard token file as an operator makes one (`openssl rand -hex 24 > deploy/dashboard_token`). */
function tokenFile(): { file: string; token: string } {
  const token = randomBytes(24).toString('hex');
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'fleetbot-compose-')), 'dashboard_token');
  writeFileSync(file, `${token}\n`, { mode: 0o644 });
  return { file, token };
}

/** A compose secret file as the operator makes one (see the end of docker-compose.yml). */
function secretFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'fleetbot-compose-')), name);
  writeFileSync(file, text, { mode: 0o644 });
  return file;
}

function composeEnv(redisPort: number, dashboardPort: number, prometheusPort = 9090, webhookUrl = 'http://127.0.0.1:9/api/webhooks/1/unused') {
  return {
    DISCORD_WEBHOOK_URL_FILE: secretFile('discord_webhook_url', `${webhookUrl}\n`),
    REDIS_PASSWORD_FILE: secretFile('redis_password', `requirepass ${randomBytes(24).toString('hex')}\n`),
    GRAFANA_ADMIN_PASSWORD_FILE: secretFile('grafana_admin_password', `${randomBytes(16).toString('hex')}\n`),
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DOCKER_HOST: DOCKER_ENV.DOCKER_HOST,
    COMPOSE_PROJECT_NAME: project,
    FLEETBOT_IMAGE,
    REDIS_IMAGE,
    REDIS_PORT: String(redisPort),
    DASHBOARD_PORT: String(dashboardPort),
    DASHBOARD_TOKEN_FILE: tokenFile().file,
    PROMETHEUS_IMAGE,
    PROMETHEUS_PORT: String(prometheusPort),
    ALERTMANAGER_IMAGE,
    ALERTMANAGER_PORT: String(ALERTMANAGER_PORT),
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

/** compose with the monitoring file added (Prometheus, Alertmanager, Grafana), as the README runs it. */
function withMonitoring(env: Record<string, string | undefined>, args: string[]) {
  return runToEnd('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), '-f', path.join(ROOT, 'docker-compose.monitoring.yml'), ...args], { env, cwd: ROOT });
}

const taken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
  });

let teardown: (() => Promise<unknown>) | undefined;
let fake: FakeDiscord | undefined;
let release: (() => Promise<void>) | undefined;
afterAll(async () => {
  await teardown?.();
  await fake?.close();
  await release?.();
});

describe.skipIf(noCompose)(`docker-compose.yml${noCompose ? ` — skipped: ${noCompose}` : ''}`, () => {
  it('GIVEN the compose file THEN docker-compose config accepts it, with and without the monitoring file', async () => {
    const env = composeEnv(6379, DASHBOARD_PORT);
    expect(await compose(env, ['config', '--quiet'])).toMatchObject({ code: 0, stderr: '' });
    expect(await withMonitoring(env, ['config', '--quiet'])).toMatchObject({ code: 0, stderr: '' });
  });
});

describe.skipIf(noStack)(`compose deploy on a real engine${noStack ? ` — skipped: ${noStack}` : ''}`, () => {
  // The members' fixed ports are shared with the stack deploy (tests/e2e/stack.test.ts): one at a time, and the wait
  // for the other is not this test's time.
  beforeAll(async () => {
    release = await holdDeployPorts();
  }, 1_200_000);

  it('GIVEN up -d THEN every service turns healthy, /status shows every member healthy, a killed member comes back, Prometheus scrapes it all, Alertmanager posts its Watchdog to Discord, and down leaves nothing', async () => {
    for (const port of [...MEMBER_PORTS, DASHBOARD_PORT, ALERTMANAGER_PORT]) if (await taken(port)) throw new Error(`port ${port} on 127.0.0.1 is taken: the compose deploy needs it`);
    const prometheusPort = await freePort();
    fake = await startFakeDiscord();
    const webhook = fake.createWebhook(fake.guilds[0]!.channels.find((c) => c.name === 'alerts')!.id, 'fleetbot alerts');
    const env = composeEnv(await freePort(), DASHBOARD_PORT, prometheusPort, webhook.url);
    teardown = () => withMonitoring(env, ['down', '--volumes', '--timeout', '5']);
    const up = await compose(env, ['up', '-d', '--no-build']);
    expect(up.code, up.stderr).toBe(0);

    const containers = () => docker().listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
    const service = (c: { Labels: Record<string, string> }) => c.Labels['com.docker.compose.service']!;
    await waitFor(async () => {
      const all = await containers();
      // blockchain's health is fleetbot's to judge (MCP ping and its RPC); the bot's is its dashboard's /readyz.
      return all.length === 17 && all.every((c) => c.State === 'running' && (service(c) === 'blockchain' || c.Status.includes('(healthy)'))) ? true : undefined;
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
    expect(await ask('/agents')).toMatch(/^✔ 8 agents alive/);

    const [monitoring] = await docker().listContainers({ filters: { label: [`${LABELS.fleet}=${project}`, `${LABELS.member}=monitoring`] } });
    await docker().getContainer(monitoring!.Id).kill({ signal: 'SIGKILL' });
    const healed = await waitFor(async () => {
      const row = rows(await ask('/status')).find((r) => r.startsWith('monitoring'));
      return row && /^monitoring +running +healthy +\S+( s)? +1 /.test(row) ? row : undefined;
    }, { what: 'monitoring healed', timeoutMs: 60_000, everyMs: 1000 });
    expect(healed).toBeDefined();
    expect(await ask('/heal status monitoring')).toMatch(/monitoring died \(exit 137\) → restarted in [\d.]+ s, healthy/);

    // The monitoring file's Prometheus scrapes the bot with the token file; the bot's /metrics carries what the
    // ops agent in the fleet container counted (the /status jobs above), published through Redis.
    const prometheus = await withMonitoring(env, ['up', '-d', '--no-build', 'prometheus', 'alertmanager']);
    expect(prometheus.code, prometheus.stderr).toBe(0);
    const query = async (expr: string) => {
      const response = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(expr)}`).catch(() => undefined);
      // A Prometheus still starting answers 503 in plain text: not an answer yet.
      const body = (await response?.json().catch(() => undefined)) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } } | undefined;
      return body?.data.result ?? [];
    };
    let seen = 'no answer from Prometheus';
    const jobs = await waitFor(async () => {
      const [up] = await query('up{job="fleetbot"}');
      const done = await query('fleetbot_job_duration_seconds_count{queue="ops",job_name="status",outcome="completed"}');
      seen = `up=${up?.value[1] ?? 'none'}, status jobs series=${JSON.stringify(done.map((d) => d.value[1]))}`;
      return up?.value[1] === '1' && done.length === 1 ? Number(done[0]!.value[1]) : undefined;
    }, { what: 'Prometheus scraping fleetbot', timeoutMs: 120_000, everyMs: 1000 }).catch(async (error: Error) => {
      // What Prometheus made of its target, and what it logged: a timeout alone says nothing of why.
      const targets = await fetch(`http://127.0.0.1:${prometheusPort}/api/v1/targets`).then((r) => r.text()).catch((e: Error) => e.message);
      const logs = await withMonitoring(env, ['logs', '--no-color', '--tail', '30', 'prometheus']);
      throw new Error(`${error.message} (last seen: ${seen}); targets: ${targets.slice(0, 1500)}; logs: ${logs.stdout.slice(-3000)}`);
    });
    expect(jobs).toBeGreaterThanOrEqual(2);
    expect((await query('fleetbot_member_healthy')).map((r) => r.metric.member).sort()).toEqual([...MEMBERS].sort());

    // The monitoring file's Alertmanager, started by the committed start script with the webhook URL from its secret:
    // the Watchdog Prometheus fires reaches the channel as a webhook message — the path that works while the bot is down.
    const watchdog = await fake.waitForWebhookMessage(webhook.id, (m) => JSON.stringify(m.embeds).includes('Watchdog'), 120_000).catch(async (error: Error) => {
      const logs = await withMonitoring(env, ['logs', '--no-color', '--tail', '30', 'alertmanager']);
      throw new Error(`${error.message}; alertmanager logs: ${logs.stdout.slice(-3000)}`);
    });
    expect(JSON.stringify(watchdog.embeds)).toMatch(/FIRING/);

    const down = await withMonitoring(env, ['down', '--volumes', '--timeout', '5']);
    teardown = undefined;
    expect(down.code, down.stderr).toBe(0);
    expect(await containers()).toEqual([]);
    expect(await docker().listContainers({ all: true, filters: { label: [`${LABELS.fleet}=${project}`] } })).toEqual([]);
  }, 400_000);
});
