import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/fleet.js';
import { TEST_REDIS_URL } from '../support/redis.js';

// The seeds' fleet of 21 real MCP servers (fleetbot's own and third-party ones from npm) as a user starts it:
// `FLEET_FILE=fleets/seed-21.yaml npx fleetbot up`, against the test Redis, asking `status` until all are healthy.

describe('fleets/seed-21.yaml', () => {
  it('GIVEN FLEET_FILE=fleets/seed-21.yaml THEN fleetbot up runs all 21 members and status shows every one healthy', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'up'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, FLEET_FILE: 'fleets/seed-21.yaml', REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `seed21-${randomUUID().slice(0, 8)}`, DASHBOARD_PORT: '0' },
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    /** Waits until `seen()` holds; fails at once, with what fleetbot said, if it exits first. */
    const until = async (seen: () => boolean, every: () => void = () => {}) => {
      const deadline = Date.now() + 120_000;
      while (!seen()) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`fleetbot ${child.exitCode !== null ? `exited ${child.exitCode}` : 'timed out'}:\n${stderr}\n${stdout.slice(-3000)}`);
        every();
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    };
    try {
      await until(() => /fleetbot is up in [^:]+: 21 fleet members/.test(stderr));
      // Ask until the health agent has seen every member answer (stdio servers start at their own pace).
      await until(() => stdout.includes('fleet: 21 members — 21 healthy'), () => child.stdin.write('status\n'));
      const table = stdout.slice(stdout.lastIndexOf('fleet: 21 members — 21 healthy'));
      for (const name of ['auth-manager', 'config-manager', 'log-aggregator', 'metrics-collector', 'alert-manager', 'task-queue', 'price-feed', 'liquidity', 'arbitrage', 'flash-loan', 'risk-manager', 'portfolio', 'blockchain', 'monitoring', 'filesystem', 'memory', 'postgres', 'redis', 'everything', 'sequential-thinking', 'coordinator']) {
        expect(table).toMatch(new RegExp(`\\n${name} +running +healthy`));
      }
    } finally {
      child.stdin.end();
    }
    expect(await exited).toBe(0);
  }, 300_000);
});
