import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadEnvConfig, parseManifest } from '../../../config/index.js';
import { interpolate } from '../../../config/manifest.js';
import { ROOT, waitFor } from '../../support/fleet.js';

// The compose deploy keeps two more lists of the fleet besides fleet.yaml (the process backend's): docker-compose.yml's
// member services (what compose runs) and deploy/config/fleet.yaml (what fleetbot watches, and remakes a member from).
// All three must describe the same members.

interface Service {
  image?: string;
  secrets?: string[];
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  labels?: Record<string, string>;
  healthcheck?: { test?: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string; disable?: boolean };
  network_mode?: string;
  init?: boolean;
  deploy?: { replicas?: number; resources?: { limits?: { cpus?: string; memory?: string } }; labels?: Record<string, string>; placement?: { constraints?: string[] } };
  networks?: unknown;
  depends_on?: unknown;
  profiles?: string[];
  logging?: { driver?: string; options?: Record<string, string> };
  restart?: string;
  user?: string;
  volumes?: string[];
}

type ComposeFile = { services: Record<string, Service>; secrets: Record<string, { file: string }>; networks?: Record<string, { external?: boolean; name?: string }> };
const read = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8'), { merge: true, maxAliasCount: -1 }) as ComposeFile;
const base = read('docker-compose.yml');
const monitoringFile = read('docker-compose.monitoring.yml');
/** What compose and `docker stack deploy` run with both files given. */
const compose: ComposeFile = { ...base, services: { ...base.services, ...monitoringFile.services }, secrets: { ...base.secrets, ...monitoringFile.secrets } };
const problems: string[] = [];
const manifest = parseManifest(readFileSync(path.join(ROOT, 'deploy/config/fleet.yaml'), 'utf8'), 'deploy/config/fleet.yaml', problems, 'docker')!;
const local = parseManifest(readFileSync(path.join(ROOT, 'fleet.yaml'), 'utf8'), 'fleet.yaml', problems)!;
/** Compose's `${VAR:-default}` as compose reads it with VAR unset. */
const defaults = (text: string) => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
const memberServices = Object.entries(compose.services).filter(([, s]) => s.labels?.['fleetbot.member']);

describe('the compose deploy', () => {
  it('GIVEN docker-compose.yml THEN every service has a CPU and memory limit, an init process and rotated logs, and members the limits of their manifest entry', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      // deploy.resources: compose turns them into the container's limits, `docker stack deploy` into the task's.
      const { cpus, memory } = service.deploy?.resources?.limits ?? {};
      const limits = { name, init: service.init, cpus: Number(defaults(String(cpus))), memory: defaults(memory ?? ''), logging: service.logging?.driver, options: Object.keys(service.logging?.options ?? {}).sort() };
      expect(limits).toMatchObject({ name, init: true, logging: 'json-file', options: ['max-file', 'max-size'] });
      expect(limits.cpus, name).toBeGreaterThan(0);
      expect(limits.memory, name).toMatch(/^\d+[kmg]$/);
      const member = manifest.members.find((m) => m.name === service.labels?.['fleetbot.member']);
      if (member) expect({ name, cpus: limits.cpus, memory: limits.memory }).toEqual({ name, cpus: member.resources.cpus, memory: member.resources.memory });
    }
  });

  it('GIVEN docker-compose.yml THEN docker-compose config accepts it', async () => {
    const { execFileSync } = await import('node:child_process');
    let found = true;
    try {
      execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    } catch {
      found = false;
    }
    if (!found && process.env.FLEETBOT_REQUIRE_DOCKER) throw new Error('docker-compose is not installed');
    if (!found) return;
    // The env and secret files are the deployer's: the examples stand in for them.
    const env = { ...process.env, CHAIN_ENV_FILE: 'deploy/chain.env.example', BOT_ENV_FILE: 'deploy/bot.env.example', EXECUTOR_ENV_FILE: 'deploy/executor.env.example', DASHBOARD_TOKEN_FILE: 'deploy/bot.env.example' };
    const out = execFileSync('docker-compose', ['config'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(out).toMatch(/max-size: 10m/);
    expect(out).toMatch(/memory: 192m/);
  });

  // Issue 15: the compose file is also the stack file. What `docker stack deploy` refuses (profiles, cpus, mem_limit,
  // depends_on conditions) is not in it; host networking is the external `host` network for the stack.
  it('GIVEN docker-compose.yml and the monitoring file THEN docker stack config accepts them, and every service joins the host network', async () => {
    const { execFileSync } = await import('node:child_process');
    let found = true;
    try {
      execFileSync('docker', ['stack', 'config', '--help'], { stdio: 'ignore' });
    } catch {
      found = false;
    }
    if (!found && process.env.FLEETBOT_REQUIRE_DOCKER) throw new Error('the docker CLI (with `docker stack config`) is not installed');
    if (!found) return;
    const env = { ...process.env, CHAIN_ENV_FILE: 'deploy/chain.env.example', BOT_ENV_FILE: 'deploy/bot.env.example', EXECUTOR_ENV_FILE: 'deploy/executor.env.example' };
    const out = parse(execFileSync('docker', ['stack', 'config', '-c', 'docker-compose.yml', '-c', 'docker-compose.monitoring.yml'], { cwd: ROOT, env, encoding: 'utf8' })) as ComposeFile;
    expect(Object.keys(out.services).sort()).toEqual(Object.keys(compose.services).sort());
    expect(out.networks).toEqual({ default: { name: 'host', external: true } });
    for (const [name, service] of Object.entries(out.services)) expect({ name, networks: service.networks }).toEqual({ name, networks: undefined });
    for (const service of Object.values(compose.services)) expect(service.profiles).toBeUndefined();
  });

  it('GIVEN the stack THEN members carry their labels on the service too (the swarm backend finds them there), and Redis and the fleet stay on a manager', () => {
    for (const [name, service] of memberServices) expect({ name, labels: service.deploy?.labels }).toEqual({ name, labels: service.labels });
    expect(compose.services.redis!.deploy!.placement!.constraints).toEqual(['node.role == manager']);
    expect(compose.services.fleet!.deploy!.placement!.constraints).toEqual(['node.role == manager']);
    expect(Object.values(compose.services).every((s) => s.deploy?.replicas === undefined || s.deploy.replicas === 1)).toBe(true);
  });

  it('GIVEN deploy/config/fleet.yaml THEN the docker backend accepts it, and it has the members of fleet.yaml, over http', () => {
    expect(problems).toEqual([]);
    const same = (m: (typeof local.members)[number]) => ({ name: m.name, description: m.description, kind: m.kind, env: Object.keys(m.env).sort(), tool: m.health.tool, tags: m.tags });
    expect(manifest.members.map(same)).toEqual(local.members.map(same));
    // The same server, in the image whose entrypoint is `fleetbot`, over http.
    for (const m of manifest.members) expect(m.command).toEqual([...local.members.find((l) => l.name === m.name)!.command!.slice(1, 3), '--http', '--port', '${PORT}']);
  });

  it('GIVEN docker-compose.yml and deploy/config/fleet.yaml THEN they name the same members, each with the same image, command, port and health check', () => {
    expect(memberServices.map(([name, s]) => [name, s.labels!['fleetbot.member']])).toEqual(manifest.members.map((m) => [m.name, m.name]));
    for (const [name, service] of memberServices) {
      const member = manifest.members.find((m) => m.name === name)!;
      expect(defaults(service.image!)).toBe(member.image);
      expect(service.command).toEqual(member.command!.map((word) => interpolate(word, { PORT: String(member.port) })));
      expect(service.environment).toMatchObject({ PORT: String(member.port), FLEETBOT_MEMBER: name });
      expect(defaults(service.labels!['fleetbot.fleet']!)).toBe('fleetbot');
      const { test, interval, timeout, retries, start_period, disable } = service.healthcheck!;
      if (!member.health.test) {
        expect(disable).toBe(true);
        continue;
      }
      expect({ test, retries }).toEqual({ test: member.health.test, retries: member.health.retries });
      expect([interval, timeout, start_period].map((d) => Number.parseInt(d!, 10) * 1000)).toEqual([member.health.interval, member.health.timeout, member.health.start_period]);
      // What the manifest passes a member, compose passes too: in `environment`, or (secrets) from an env file.
      for (const key of Object.keys(member.env)) expect({ key, passed: key in service.environment! || !!service.env_file?.length }).toEqual({ key, passed: true });
    }
  });

  it('GIVEN every service THEN host network, an init, a restart policy; members are left to the healer', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, network: service.network_mode, init: service.init }).toEqual({ name, network: 'host', init: true });
      expect(service.restart).toBe(memberServices.some(([n]) => n === name) ? 'no' : 'unless-stopped');
    }
  });

  it('GIVEN the agents THEN each runs in a service, those that need the fleet together, each checked by its heartbeat', async () => {
    const { AGENTS } = await import('../../../agents/index.js');
    const agentServices = Object.values(compose.services).filter((s) => s.command?.[0] === 'agent');
    expect(agentServices.flatMap((s) => s.command!.slice(1)).sort()).toEqual(AGENTS.map((a) => a.name).sort());
    expect(compose.services.fleet!.command!.slice(1).sort()).toEqual(AGENTS.filter((a) => a.needsFleet).map((a) => a.name).sort());
    for (const s of agentServices) expect(s.healthcheck!.test).toEqual(['CMD', 'node', '/app/bin/health-check.cjs', 'agents', ...s.command!.slice(1)]);
  });

  it('GIVEN the secrets THEN each env file goes only where it is needed: the signing key to the executor alone', () => {
    const holders = (file: string) => Object.entries(compose.services).filter(([, s]) => s.env_file?.some((f) => f.includes(file))).map(([name]) => name);
    expect(holders('executor.env')).toEqual(['executor']);
    expect(holders('bot.env')).toEqual(['bot']);
    expect(holders('chain.env')).not.toContain('healer');
  });

  it('GIVEN the Docker socket THEN only the fleet service (ops, health and replicas agents) gets it', () => {
    const withSocket = Object.entries(compose.services).filter(([, s]) => s.volumes?.some((v) => v.endsWith(':/var/run/docker.sock')));
    expect(withSocket.map(([name]) => name)).toEqual(['fleet']);
    expect(compose.services.fleet!.command).toEqual(['agent', 'ops', 'health', 'replicas']);
  });

  it('GIVEN the image build THEN no env file or local state can reach it', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    expect(ignore.filter((l) => l.startsWith('!')).some((l) => /env|deploy|node_modules|dist|\.fleetbot/.test(l))).toBe(false);
  });

  // Issue 12, hole 11: Redis without a password on the host network, Grafana with admin/admin and anonymous viewers.
  it('GIVEN Redis THEN it starts with its password file as its config, and every service that reads Redis gets the password as a secret', () => {
    const redis = compose.services.redis!;
    expect(redis.command!.slice(0, 4)).toEqual(['redis-server', '/run/secrets/redis_password', '--bind', '127.0.0.1']);
    expect(redis.secrets).toEqual(['redis_password']);
    expect(defaults(compose.secrets.redis_password!.file)).toBe('deploy/redis_password');
    const readers = Object.entries(compose.services).filter(([, s]) => s.environment?.REDIS_URL);
    expect(readers.length).toBeGreaterThan(10);
    for (const [name, s] of readers) {
      expect({ name, file: s.environment!.REDIS_PASSWORD_FILE, secret: s.secrets?.includes('redis_password') }).toEqual({ name, file: '/run/secrets/redis_password', secret: true });
      // The password never sits in the URL or the environment of the compose file.
      expect(s.environment!.REDIS_URL).toMatch(/^redis:\/\/127\.0\.0\.1:/);
    }
    expect(compose.services.blockchain!.secrets).toEqual([]);
  });

  it('GIVEN the compose secret for Redis THEN a real redis-server started the way compose starts it refuses a client without it, and fleetbot\'s configuration gets in with it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-redis-'));
    const secret = path.join(dir, 'redis_password');
    const password = randomBytes(24).toString('hex');
    writeFileSync(secret, `requirepass ${password}\n`);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const args = compose.services.redis!.command!.slice(1).map((a) => (a === '/run/secrets/redis_password' ? secret : defaults(a)));
    const at = (i: number) => args.indexOf(i === 0 ? '--port' : '--dir') + 1;
    args[at(0)] = String(port);
    args[at(1)] = dir;
    const server = spawn('redis-server', [...args, '--save', ''], { stdio: 'ignore' });
    try {
      const outsider = await waitFor(
        () => {
          const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
          client.on('error', () => {});
          return client.connect().then(() => client, () => (client.disconnect(), undefined));
        },
        { what: 'redis-server to listen', timeoutMs: 10_000, everyMs: 50 },
      );
      await expect(outsider.ping()).rejects.toThrow(/NOAUTH/);
      outsider.disconnect();
      const config = loadEnvConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PASSWORD_FILE: secret }, dir);
      expect(config.redis.url).toBe(`redis://:${password}@127.0.0.1:${port}`);
      const insider = new Redis(config.redis.url!, { maxRetriesPerRequest: 1 });
      expect(await insider.ping()).toBe('PONG');
      insider.disconnect();
      writeFileSync(secret, 'short\n');
      expect(() => loadEnvConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PASSWORD_FILE: secret }, dir)).toThrow(/REDIS_PASSWORD_FILE: the password in .* must be 16 characters or more/);
      expect(() => loadEnvConfig({ REDIS_PASSWORD_FILE: secret }, dir)).toThrow(/set REDIS_URL too/);
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN Grafana THEN no admin default: its password comes from a secret file, and nobody views anonymously unless configured', () => {
    const grafana = compose.services.grafana!;
    expect(grafana.environment).not.toHaveProperty('GF_SECURITY_ADMIN_PASSWORD');
    expect(grafana.environment!.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('/run/secrets/grafana_admin_password');
    expect(grafana.secrets).toEqual(['grafana_admin_password']);
    expect(defaults(grafana.environment!.GF_AUTH_ANONYMOUS_ENABLED!)).toBe('false');
    // The file is the operator's to make: none is in the repository, and git ignores it.
    expect(existsSync(path.join(ROOT, defaults(compose.secrets.grafana_admin_password!.file)))).toBe(false);
    expect(readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['deploy/redis_password', 'deploy/grafana_admin_password', 'deploy/dashboard_token']));
  });

  it('GIVEN the bot THEN its dashboard listens on loopback unless DASHBOARD_HOST says otherwise', () => {
    expect(defaults(compose.services.bot!.environment!.DASHBOARD_HOST!)).toBe('127.0.0.1');
    expect(loadEnvConfig({}).dashboard.host).toBe('127.0.0.1');
  });
});
