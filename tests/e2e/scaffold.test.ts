import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd } from '../support/cli.js';
import { ROOT } from '../support/fleet.js';

// `fleetbot new server` and `fleetbot new agent` in a scratch copy of this checkout, as a contributor runs them: what
// they write builds, its tests pass as generated, and the new server is a fleet member /status shows.

describe('fleetbot new', () => {
  it('GIVEN new server demo and new agent tally THEN both build, their tests pass, and /status shows demo healthy', async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'fleetbot-new-')));
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const file of tracked) cpSync(path.join(ROOT, file), path.join(dir, file), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    // A small fleet, so /status is about the new member.
    writeFileSync(path.join(dir, 'fleet.yaml'), 'members:\n  - name: monitoring\n    transport: stdio\n    command: [fleetbot, serve, monitoring]\n    env:\n      REDIS_URL: ${REDIS_URL}\n      REDIS_PREFIX: ${REDIS_PREFIX}\n');
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, TEST_REDIS_URL: process.env.TEST_REDIS_URL };
    const run = (args: string[], input = '') => runToEnd(process.execPath, args, { cwd: dir, env, input });
    const tsc = path.join(dir, 'node_modules/typescript/bin/tsc');
    const first = await run([tsc, '-p', 'tsconfig.json']);
    expect(first.stdout + first.stderr).toBe('');

    const server = await run(['bin/fleetbot.js', 'new', 'server', 'demo']);
    expect(server.stdout).toMatch(/^wrote mcp-fleet\/servers\/demo\.ts, tests\/integration\/server-demo\.test\.ts, mcp-fleet\/servers\/index\.ts, fleet\.yaml/);
    const agent = await run(['bin/fleetbot.js', 'new', 'agent', 'tally']);
    expect(agent.code).toBe(0);
    expect(readFileSync(path.join(dir, 'agents/index.ts'), 'utf8')).toContain('tallyAgent,');
    // A name that is taken, or not a name, is refused and writes nothing.
    const again = await run(['bin/fleetbot.js', 'new', 'server', 'demo']);
    expect([again.code, again.stderr.trim()]).toEqual([2, 'fleetbot: mcp-fleet/servers/demo.ts exists already: choose another name, or remove it first']);
    expect((await run(['bin/fleetbot.js', 'new', 'server', 'Bad Name'])).code).toBe(2);

    const build = await run([tsc, '-p', 'tsconfig.json']);
    expect(build.stdout + build.stderr).toBe('');
    const vitest = path.join(dir, 'node_modules/vitest/vitest.mjs');
    const tests = await run([vitest, 'run', 'tests/integration/server-demo.test.ts', 'tests/integration/agent-tally.test.ts']);
    expect(tests.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+3 passed \(3\)/);
    expect(tests.code).toBe(0);

    const up = await run(['bin/fleetbot.js', 'up'], '/status demo\n');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^demo +running +healthy /m);
  }, 300_000);
});
