import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * The embedded default: when REDIS_URL is unset, `fleetbot up` runs its own redis-server on a free loopback port
 * with its data and AOF under `<home>/redis`, and stops it on exit.
 * Side effects: spawns redis-server, writes under `<home>/redis`, may stop a redis-server left behind by a crashed run.
 */

const NO_REDIS_MESSAGE =
  'fleetbot needs Redis and found no redis-server on PATH. Install it (Debian/Ubuntu: sudo apt-get install -y redis-server; ' +
  'macOS: brew install redis) or point REDIS_URL at a running Redis (e.g. REDIS_URL=redis://127.0.0.1:6379).';

export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedRedis(home: string, log: Logger): Promise<EmbeddedRedis> {
  const dir = path.join(home, 'redis');
  mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, 'redis.pid');
  await stopOrphan(pidFile, log);
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '',
      '--pidfile', pidFile, '--logfile', path.join(dir, 'redis.log'), '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const url = `redis://127.0.0.1:${port}`;
  const ready = waitForPing(url, 10_000);
  const outcome = await Promise.race([ready.then(() => undefined), spawnError]);
  if (outcome instanceof Error) {
    const code = (outcome as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? NO_REDIS_MESSAGE : `cannot start redis-server: ${outcome.message}`);
  }
  log.info('embedded redis-server started', { url, dir, pid: child.pid });
  return { url, stop: () => stopChild(child) };
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    try {
      await redis.connect();
      await redis.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${url} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    } finally {
      redis.disconnect();
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    // SIGTERM makes redis-server flush the AOF and exit cleanly.
    child.kill('SIGTERM');
  });
}

/**
 * A redis-server from our pid file whose parent is no longer a fleetbot is left over from a crashed run: stop it
 * (and wait, so two servers never share one AOF). One whose parent is a live fleetbot belongs to another run.
 */
async function stopOrphan(pidFile: string, log: Logger): Promise<void> {
  const pid = Number(readText(pidFile)?.trim());
  if (!pid || !readText(`/proc/${pid}/cmdline`)?.startsWith('redis-server')) return;
  const stat = readText(`/proc/${pid}/stat`) ?? '';
  const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  if (readText(`/proc/${parent}/cmdline`)?.includes('fleetbot')) {
    throw new Error(`another fleetbot is using ${path.dirname(pidFile)} (redis-server pid ${pid}); stop it or set FLEETBOT_HOME`);
  }
  process.kill(pid, 'SIGTERM');
  log.warn('stopped a redis-server left behind by an earlier run', { pid });
  for (let waited = 0; readText(`/proc/${pid}/cmdline`) !== undefined && waited < 5000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
