import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../config/index.js';
import { interpolate } from '../../../mcp-fleet/manifest.js';
import { ROOT } from '../../support/fleet.js';

// The compose deploy keeps two lists of the fleet: docker-compose.yml's member services (what compose runs) and
// deploy/fleet.yaml (what fleetbot watches, and remakes a member from). They must describe the same members.

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  labels?: Record<string, string>;
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  network_mode?: string;
  init?: boolean;
  restart?: string;
  user?: string;
  volumes?: string[];
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const problems: string[] = [];
const manifest = parseManifest(readFileSync(path.join(ROOT, 'deploy/fleet.yaml'), 'utf8'), 'deploy/fleet.yaml', problems, 'docker')!;
/** Compose's `${VAR:-default}` as compose reads it with VAR unset. */
const defaults = (text: string) => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
const memberServices = Object.entries(compose.services).filter(([, s]) => s.labels?.['fleetbot.member']);

describe('the compose deploy', () => {
  it('GIVEN deploy/fleet.yaml THEN the docker backend accepts it', () => {
    expect(problems).toEqual([]);
  });

  it('GIVEN docker-compose.yml and deploy/fleet.yaml THEN they name the same members, each with the same image, command, port and health check', () => {
    expect(memberServices.map(([name, s]) => [name, s.labels!['fleetbot.member']])).toEqual(manifest.members.map((m) => [m.name, m.name]));
    for (const [name, service] of memberServices) {
      const member = manifest.members.find((m) => m.name === name)!;
      expect(defaults(service.image!)).toBe(member.image);
      expect(service.command).toEqual(member.command!.map((word) => interpolate(word, { PORT: String(member.port) })));
      expect(service.environment).toMatchObject({ PORT: String(member.port), FLEETBOT_MEMBER: name });
      expect(defaults(service.labels!['fleetbot.fleet']!)).toBe('fleetbot');
      const { test, interval, timeout, retries, start_period } = service.healthcheck!;
      expect({ test, retries }).toEqual({ test: member.health.test, retries: member.health.retries });
      expect([interval, timeout, start_period].map((d) => Number.parseInt(d, 10) * 1000)).toEqual([member.health.interval, member.health.timeout, member.health.start_period]);
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
