import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../mcp-fleet/ports.js';
import { waitFor } from './fleet.js';

/**
 * A private redis-server with its AOF synced on every write, that a fault test may kill and start again on the same
 * port and data — the machine's shared Redis is left alone, since other test files use it meanwhile.
 */
export async function startDurableRedis() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-durable-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const answers = async () => {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG' ? true : undefined;
    } catch {
      return undefined;
    } finally {
      probe.disconnect();
    }
  };
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
    await waitFor(answers, { what: 'durable redis', timeoutMs: 10_000 });
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  await start();
  return { url, start, kill, stop: kill };
}
