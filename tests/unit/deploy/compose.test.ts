import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../config/index.js';
import { interpolate } from '../../../config/manifest.js';
import { ROOT } from '../../support/fleet.js';

// The compose deploy keeps two more lists of the fleet besides fleet.yaml (the process backend's): docker-compose.yml's
// member services (what compose runs) and deploy/config/fleet.yaml (what fleetbot watches, and remakes a member from).
// All three must describe the same members.

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  labels?: Record<string, string>;
  healthcheck?: { test?: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string; disable?: boolean };
  network_mode?: string;
  init?: boolean;
  restart?: string;
  user?: string;
  volumes?: string[];
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const problems: string[] = [];
const manifest = parseManifest(readFileSync(path.join(ROOT, 'deploy/config/fleet.yaml'), 'utf8'), 'deploy/config/fleet.yaml', problems, 'docker')!;
const local = parseManifest(readFileSync(path.join(ROOT, 'fleet.yaml'), 'utf8'), 'fleet.yaml', problems)!;
/** Compose's `${VAR:-default}` as compose reads it with VAR unset. */
const defaults = (text: string) => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
const memberServices = Object.entries(compose.services).filter(([, s]) => s.labels?.['fleetbot.member']);

describe('the compose deploy', () => {
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
    for (const s of agentServices) expect(s.healthcheck!.test).toEqual(['CMD', 'node', '/app/bin/fleetbot.js', 'check', ...s.command!.slice(1)]);
  });

  it('GIVEN the secrets THEN each env file goes only where it is needed: the signing key to the executor alone', () => {
    const holders = (file: string) => Object.entries(compose.services).filter(([, s]) => s.env_file?.some((f) => f.includes(file))).map(([name]) => name);
    expect(holders('executor.env')).toEqual(['executor']);
    expect(holders('bot.env')).toEqual(['bot']);
    expect(holders('chain.env')).not.toContain('healer');
  });

  it('GIVEN the Docker socket THEN only the fleet service (ops and health agents) gets it', () => {
    const withSocket = Object.entries(compose.services).filter(([, s]) => s.volumes?.some((v) => v.endsWith(':/var/run/docker.sock')));
    expect(withSocket.map(([name]) => name)).toEqual(['fleet']);
    expect(compose.services.fleet!.command).toEqual(['agent', 'ops', 'health']);
  });

  it('GIVEN the image build THEN no env file or local state can reach it', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    expect(ignore.filter((l) => l.startsWith('!')).some((l) => /env|deploy|node_modules|dist|\.fleetbot/.test(l))).toBe(false);
  });
});
