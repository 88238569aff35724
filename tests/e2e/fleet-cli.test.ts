import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetbot } from '../support/cli.js';
import { manifestText, ROOT, testServer, waitFor } from '../support/fleet.js';

// The command line against a running fleet, as a shell script or a cron job uses it: `fleetbot up` runs in one
// process; `fleetbot status`, `logs -f`, `restart` and `exec` run in others, found through the state `up` keeps.

describe('fleetbot status / logs / restart / exec against a running fleet', () => {
  let dir: string;
  let up: ChildProcessWithoutNullStreams;
  const env = () => ({ PATH: process.env.PATH });
  const cli = (args: string[]) => fleetbot(args, '', env(), dir);

  beforeAll(async () => {
    dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'fleetbot-cli-')));
    const members = [testServer('alpha'), testServer('beta', 'http')].map((m) => ({ ...m, health: { ...m.health, interval: 500, timeout: 1000, start_period: 10_000 } }));
    writeFileSync(path.join(dir, 'fleet.yaml'), manifestText(members));
    // Its stdin stays open: the console waits, and the fleet runs until the test ends it.
    up = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'up'], { cwd: dir, env: { HOME: process.env.HOME, ...env() }, stdio: 'pipe' });
    let stderr = '';
    up.stderr.on('data', (d) => (stderr += d));
    await waitFor(() => (existsSync(path.join(dir, '.fleetbot', 'fleet.json')) && stderr.includes('fleetbot is up') ? true : undefined), { what: 'fleetbot up', timeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    if (up && up.exitCode === null) {
      const exited = new Promise((resolve) => up.once('exit', resolve));
      up.stdin.end();
      await exited;
    }
  });

  it('GIVEN `fleetbot status --json` THEN the fleet as JSON, exit 0', async () => {
    const { code, stdout } = await cli(['status', '--json']);
    expect(code).toBe(0);
    const reply = JSON.parse(stdout);
    expect(reply).toMatchObject({ ok: true, title: 'fleet: 2 members — 2 healthy' });
    expect(reply.table.rows.map((r: { cells: string[] }) => r.cells[0])).toEqual(['alpha', 'beta']);
  }, 60_000);

  it('GIVEN `fleetbot restart alpha` THEN it restarts at once (a script asked), exit 0, and status shows the count', async () => {
    const { code, stdout } = await cli(['restart', 'alpha']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✔ restarted alpha in .* — healthy/);
    const status = JSON.parse((await cli(['status', 'alpha', '--json'])).stdout);
    expect(status.table.rows[0].cells[4]).toBe('1');
  }, 60_000);

  it('GIVEN `fleetbot exec beta echo {...} --json` THEN the tool\'s answer, exit 0; an unknown member exits 1', async () => {
    const { code, stdout } = await cli(['exec', 'beta', 'echo', '{"text":"from a script"}', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, title: 'beta.echo', code: { text: 'from a script' } });
    const unknown = await cli(['restart', 'gamma']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/^✖ unknown member `gamma`/);
  }, 60_000);

  it('GIVEN `fleetbot logs alpha -f` THEN a line the member prints afterwards appears soon after', async () => {
    const follow = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'logs', 'alpha', '-n', '5', '-f'], { cwd: dir, env: { HOME: process.env.HOME, ...env() }, stdio: 'pipe' });
    let out = '';
    follow.stdout.on('data', (d) => (out += d));
    try {
      // Following (its first lines printed) before the new line is written.
      await waitFor(() => (out.length > 0 ? true : undefined), { what: 'first lines', timeoutMs: 20_000 });
      const marker = `followed-${Date.now()}`;
      const said = await cli(['exec', 'alpha', 'say_to_stderr', JSON.stringify({ line: marker })]);
      const wroteAt = Date.now();
      // say_to_stderr is a third-party tool here: it needs operate, which the console operator has.
      expect(said.code).toBe(0);
      await waitFor(() => (out.includes(marker) ? true : undefined), { what: 'the new line', timeoutMs: 10_000, everyMs: 20 });
      // Printed well within a second of being written, on a quiet machine (the deadline above is for a busy one).
      console.log(`logs -f: the line appeared ${Date.now() - wroteAt} ms after the member wrote it`);
    } finally {
      follow.kill('SIGINT');
    }
  }, 60_000);

  it('GIVEN no running fleet THEN it says how to start one or which REDIS_URL to set, exit 2', async () => {
    const elsewhere = realpathSync(mkdtempSync(path.join(tmpdir(), 'fleetbot-none-')));
    writeFileSync(path.join(elsewhere, 'fleet.yaml'), manifestText([testServer('alpha')]));
    const { code, stderr } = await fleetbot(['status'], '', env(), elsewhere);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^fleetbot: no running fleet found under .*: start one with `npx fleetbot up` \(in this folder\), or set REDIS_URL/);
  }, 60_000);
});
