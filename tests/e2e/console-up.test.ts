import { copyFileSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCommands } from '../../commands/index.js';
import { fleetbot } from '../support/cli.js';
import { ROOT } from '../support/fleet.js';
import { processesIn } from '../support/processes.js';

// `fleetbot up` as a user runs it: the built CLI, REDIS_URL unset (embedded redis-server), requests piped on stdin.

/** A duration as every reply shows it: `0.67 s`, `11 s`, `2 min 3 s`. */
const DURATION = String.raw`\d+(?:\.\d+)? (?:s|min|h|d)(?: \d+ (?:min|s|h))?`;

/** Replies start with a mark: ✔ ok, • info, ! warning, ✖ error. */
function replies(stdout: string): string[][] {
  const out: string[][] = [];
  for (const line of stdout.split('\n')) {
    if (/^[✔•!✖] /.test(line)) out.push([line]);
    else if (line !== '') out.at(-1)?.push(line);
  }
  return out;
}

const scratch = () => {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'fleetbot-e2e-')));
  copyFileSync(path.join(ROOT, 'fleet.yaml'), path.join(dir, 'fleet.yaml'));
  return dir;
};

describe('fleetbot up (console, embedded Redis)', () => {
  it('GIVEN the README session THEN status, restart, status, logs print and it exits 0 leaving no process behind', async () => {
    const dir = scratch();
    const input = ['/status', '/restart monitoring', '/status', '/logs monitoring 5', 'help', '/logs x -5', '/logs monitoring 100000', '', 'y'.repeat(10_240), '/nope', '!status', 'restart price feed', 'no', ''].join('\n');
    const { code, stdout, stderr } = await fleetbot(['up'], input, { PATH: process.env.PATH }, dir);
    expect(stderr).toMatch(/fleetbot is up in [^:]+: 9 fleet members, \d+ agents — type help/);
    expect(code).toBe(0);
    const [status1, restart, status2, logs, help, ...rest] = replies(stdout);

    expect(status1![0]).toBe('✔ fleet: 9 members — 9 healthy');
    expect(status1![1]).toMatch(/^MEMBER +STATE +HEALTH +UPTIME +RESTARTS +PING +NOTE$/);
    for (const [i, name] of ['blockchain', 'monitoring', 'task-queue', 'price-feed', 'liquidity', 'arbitrage', 'flash-loan', 'risk-manager', 'portfolio'].entries()) {
      expect(status1![i + 2]).toMatch(new RegExp(`^${name} +running +healthy +${DURATION} +0 +\\d+ ms$`));
    }
    expect(restart![0]).toMatch(new RegExp(`^✔ restarted monitoring in ${DURATION} — healthy$`));
    expect(status2!.find((l) => l.startsWith('monitoring'))).toMatch(new RegExp(`^monitoring +running +healthy +${DURATION} +1 `));
    expect(status2!.find((l) => l.startsWith('blockchain'))).toMatch(new RegExp(`^blockchain +running +healthy +${DURATION} +0 `));
    expect(logs![0]).toMatch(/^• last [1-5] log lines? of monitoring$/);
    expect(logs!.slice(1).every((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z /.test(l))).toBe(true);
    expect(logs!.join('\n')).toContain('mcp server listening');
    const commands = (await loadCommands()).map((c) => c.name);
    expect(help![0]).toMatch(new RegExp(`^• ${commands.length} commands`));
    expect(help!.join('\n')).toContain('/logs <member> [count]');

    expect(rest.map((r) => r.length)).toEqual([1, 1, 1, 1, 1, 11, 3, 1]);
    expect(rest.slice(0, 5).map((r) => r[0])).toEqual([
      '✖ count must be at least 1 — usage: /logs <member> [count]',
      '✖ count must be at most 5000 — usage: /logs <member> [count]',
      '✖ empty request — type `help` for the commands',
      '✖ request too long (10240 characters; the limit is 2000)',
      `✖ unknown command \`nope\` — did you mean \`nodes\`? commands: ${commands.join(', ')}`,
    ]);
    expect(rest[5]![0]).toBe('✔ fleet: 9 members — 9 healthy');
    // Not a command's arguments ("price feed" is two words): plain words, which ask before restarting.
    expect(rest[6]).toEqual(['! Restart price-feed?', 'asked by console — this changes the fleet, so it waits for a yes', 'type yes to confirm, anything else cancels']);
    expect(rest[7]).toEqual(['• cancelled']);
    expect(processesIn(dir)).toEqual([]);
  }, 60_000);

  it('GIVEN no redis-server on PATH and no REDIS_URL THEN one clear message says how to get one', async () => {
    const dir = scratch();
    const bin = path.join(dir, 'bin');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const { code, stderr } = await fleetbot(['up'], '/status\n', { PATH: bin }, dir);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'fleetbot: fleetbot needs Redis and found no redis-server on PATH. Install it (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) or point REDIS_URL at a running Redis (e.g. REDIS_URL=redis://127.0.0.1:6379).',
    );
    expect(processesIn(dir)).toEqual([]);
  });

  it('GIVEN a broken fleet.yaml and environment THEN every problem is listed and nothing starts', async () => {
    const dir = scratch();
    writeFileSync(path.join(dir, 'fleet.yaml'), 'members:\n  - name: a\n    transport: smoke\n    command: [x]\n');
    const { code, stderr } = await fleetbot(['up'], '', { PATH: process.env.PATH, OPS_TIMEOUT: 'later' }, dir);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'fleetbot: 2 configuration problems:\n' +
        '  environment OPS_TIMEOUT: not a duration: "later" (write e.g. 500ms, 5s, 2m, 1h)\n' +
        '  fleet.yaml:3 members[0].transport: Invalid option: expected one of "stdio"|"http"\n',
    );
  });
});
