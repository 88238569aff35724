import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseManifest } from '../../../config/index.js';
import { interpolate, startOrder } from '../../../config/manifest.js';
import { ROOT } from '../../support/fleet.js';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function fleetFile(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-config-'));
  writeFileSync(path.join(dir, 'fleet.yaml'), text);
  return path.join(dir, 'fleet.yaml');
}

describe('config', () => {
  it('GIVEN the repository fleet.yaml and an empty environment THEN it loads with defaults', () => {
    const config = loadConfig({}, ROOT);
    expect(config.manifest.members.map((m) => m.name)).toEqual(['blockchain', 'monitoring', 'task-queue', 'price-feed', 'liquidity', 'arbitrage', 'flash-loan', 'risk-manager', 'portfolio']);
    // DeFi is off until configured: no chain, no pools file, no executor.
    expect(config.defi).toMatchObject({ rpcUrl: undefined, poolsFile: undefined, executor: undefined, autoExecute: [] });
    expect(config.defi.risk).toEqual({ minProfit: '0', maxPoolSharePercent: 20, maxGasPriceGwei: 500, tokenCaps: {} });
    expect(config.redis).toEqual({ url: undefined, prefix: 'fleetbot' });
    expect(config.opsTimeoutMs).toBe(30_000);
    expect(config.manifest.members[1]!.health).toMatchObject({ interval: 5000, timeout: 2000, retries: 3 });
  });

  it('GIVEN DeFi variables THEN limits parse, execution needs key and contract together, and a bad key is never echoed', () => {
    const key = 'ab'.repeat(32);
    const contract = `0x${'12'.repeat(20)}`;
    const config = loadConfig({ RPC_URL: 'http://127.0.0.1:8545', POOLS_FILE: 'pools.json', EXECUTOR_KEY: key, EXECUTOR_CONTRACT: contract, TOKEN_CAPS: 'WETH=10, USDC=2500.5', MIN_PROFIT: '0.01', AUTO_EXECUTE: 'WETH/USDC' }, ROOT);
    expect(config.defi.executor).toEqual({ key: `0x${key}`, contract });
    expect(config.defi.risk.tokenCaps).toEqual({ WETH: '10', USDC: '2500.5' });
    expect(config.defi.poolsFile).toBe(path.join(ROOT, 'pools.json'));
    expect(config.defi.autoExecute).toEqual(['WETH/USDC']);
    expect(problemsOf(() => loadConfig({ EXECUTOR_KEY: key }, ROOT))).toEqual(['environment EXECUTOR_KEY and EXECUTOR_CONTRACT: set both to enable execution, or neither']);
    const bad = problemsOf(() => loadConfig({ EXECUTOR_KEY: 'cd'.repeat(31), TOKEN_CAPS: 'WETH:10' }, ROOT));
    expect(bad).toEqual([
      expect.stringMatching(/^environment EXECUTOR_KEY: a 32-byte hex private key$/),
      'environment TOKEN_CAPS: "WETH:10" is not SYMBOL=amount',
      'environment EXECUTOR_KEY and EXECUTOR_CONTRACT: set both to enable execution, or neither',
    ]);
  });

  it('GIVEN DASHBOARD_TOKEN_FILE THEN the token is read from it; a missing file, a short token or both settings are refused without echoing it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-token-'));
    writeFileSync(path.join(dir, 'token'), 'a-token-of-24-characters\n');
    writeFileSync(path.join(dir, 'short'), 'tiny-secret\n');
    expect(loadConfig({ DASHBOARD_TOKEN_FILE: path.join(dir, 'token') }, ROOT).dashboard.token).toBe('a-token-of-24-characters');
    expect(problemsOf(() => loadConfig({ DASHBOARD_TOKEN_FILE: path.join(dir, 'none') }, ROOT))).toEqual([`environment DASHBOARD_TOKEN_FILE: cannot read ${path.join(dir, 'none')} (ENOENT)`]);
    const short = problemsOf(() => loadConfig({ DASHBOARD_TOKEN_FILE: path.join(dir, 'short') }, ROOT));
    expect(short).toEqual([`environment DASHBOARD_TOKEN_FILE: the token in ${path.join(dir, 'short')} must be at least 16 characters`]);
    expect(problemsOf(() => loadConfig({ DASHBOARD_TOKEN_FILE: path.join(dir, 'token'), DASHBOARD_TOKEN: 'another-token-of-24-chars' }, ROOT))).toEqual([
      'environment DASHBOARD_TOKEN_FILE: set DASHBOARD_TOKEN or DASHBOARD_TOKEN_FILE, not both',
    ]);
  });

  it('GIVEN problems in the environment and in fleet.yaml THEN every one is reported at once, with file, line and key', () => {
    const file = fleetFile(['members:', '  - name: Price_Feed', '    transport: carrier-pigeon', '    command: [node, x.js]', '    depends_on: [oracle]', '    health:', '      interval: soon', ''].join('\n'));
    const problems = problemsOf(() => loadConfig({ FLEET_FILE: file, REDIS_URL: 'not a url', OPS_TIMEOUT: 'forever' }, ROOT));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^environment REDIS_URL: /),
        expect.stringMatching(/^environment OPS_TIMEOUT: not a duration/),
        expect.stringMatching(/fleet\.yaml:2 members\[0\]\.name: use lower-case/),
        expect.stringMatching(/fleet\.yaml:3 members\[0\]\.transport: /),
        expect.stringMatching(/fleet\.yaml:7 members\[0\]\.health\.interval: not a duration: "soon"/),
        // Found next to the field errors, not after they are fixed.
        expect.stringMatching(/fleet\.yaml:5 members\[0\]\.depends_on\[0\]: unknown member "oracle"/),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('GIVEN unknown dependencies and duplicates THEN they are named', () => {
    const problems: string[] = [];
    parseManifest(['members:', '  - {name: a, command: [x]}', '  - {name: a, command: [x], depends_on: [zz]}', ''].join('\n'), 'fleet.yaml', problems);
    expect(problems).toEqual(['fleet.yaml:3 members[1].name: duplicate member name "a"', 'fleet.yaml:3 members[1].depends_on[0]: unknown member "zz"']);
  });

  it('GIVEN a dependency cycle THEN the cycle is spelled out', () => {
    const problems: string[] = [];
    parseManifest(['members:', '  - {name: a, command: [x], depends_on: [b]}', '  - {name: b, command: [x], depends_on: [a]}', ''].join('\n'), 'fleet.yaml', problems);
    expect(problems).toEqual(['fleet.yaml:2 members[0].depends_on: dependency cycle: a → b → a']);
  });

  it('GIVEN a member with neither command nor image, or an unknown key THEN it is refused', () => {
    const problems: string[] = [];
    parseManifest('members:\n  - name: x\n    comand: [node]\n', 'fleet.yaml', problems);
    expect(problems.join('\n')).toMatch(/comand/);
    expect(problems.join('\n')).toMatch(/needs a command/);
  });

  it('GIVEN broken YAML THEN the line is named', () => {
    const problems: string[] = [];
    parseManifest('members:\n  - name: x\n   command: [node\n', 'fleet.yaml', problems);
    expect(problems[0]).toMatch(/^fleet\.yaml:\d+: /);
  });

  it('GIVEN a missing fleet file THEN it says so', () => {
    expect(problemsOf(() => loadConfig({ FLEET_FILE: '/nonexistent/fleet.yaml' }, ROOT))[0]).toMatch(/cannot read the fleet manifest \(ENOENT\)/);
  });

  it('GIVEN FLEET_BACKEND=docker THEN members a container cannot run are refused, each at its key', () => {
    const file = fleetFile(
      ['members:', '  - name: pipes', '    command: [x]', '  - name: roaming', '    transport: http', '    image: fleetbot:local', '  - name: fine', '    transport: http', '    port: 7301', '    image: fleetbot:local', ''].join('\n'),
    );
    expect(problemsOf(() => loadConfig({ FLEET_FILE: file, FLEET_BACKEND: 'docker' }, ROOT))).toEqual([
      'fleet.yaml:2 members[0].image: FLEET_BACKEND=docker runs every member from an image: set one',
      'fleet.yaml:2 members[0].transport: stdio cannot work with FLEET_BACKEND=docker: serve Streamable HTTP (transport: http) on a fixed port',
      'fleet.yaml:4 members[1].port: FLEET_BACKEND=docker needs a fixed port for an http member (containers share the host network)',
    ].map((p) => `${path.relative(process.cwd(), file)}${p.slice('fleet.yaml'.length)}`));
    expect(loadConfig({ FLEET_FILE: file }, ROOT).manifest.members).toHaveLength(3);
  });

  it('GIVEN DOCKER_HOST THEN a unix socket or tcp address is understood, anything else refused; unset, the default socket', () => {
    expect(loadConfig({ DOCKER_HOST: 'unix:///tmp/fleetbot/docker.sock' }, ROOT).docker).toEqual({ socketPath: '/tmp/fleetbot/docker.sock' });
    expect(loadConfig({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, ROOT).docker).toEqual({ host: '127.0.0.1', port: 2375, protocol: 'http' });
    expect(loadConfig({}, ROOT).docker).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(problemsOf(() => loadConfig({ DOCKER_HOST: 'ssh://ops@127.0.0.1', FLEET_BACKEND: 'kubernetes' }, ROOT))).toEqual([
      'environment FLEET_BACKEND: Invalid option: expected one of "process"|"docker"|"swarm"',
      'environment DOCKER_HOST: write unix:///path/to/docker.sock or tcp://host:port, not "ssh://ops@127.0.0.1"',
    ]);
  });

  it('interpolates ${VAR} like docker compose (unset: empty)', () => {
    expect(interpolate('--rpc ${RPC_URL} --x ${UNSET}!', { RPC_URL: 'http://127.0.0.1:8545' })).toBe('--rpc http://127.0.0.1:8545 --x !');
  });

  it('orders members after their dependencies', () => {
    const order = startOrder([
      { name: 'scanner', depends_on: ['price-feed', 'blockchain'] },
      { name: 'price-feed', depends_on: ['blockchain'] },
      { name: 'blockchain', depends_on: [] },
    ]);
    expect(order.map((m) => m.name)).toEqual(['blockchain', 'price-feed', 'scanner']);
  });
});
