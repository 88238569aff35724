import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../../mcp-fleet/embedded-redis.js';
import { createLogger } from '../../telemetry/logger.js';
import { prepareDocker } from './docker.js';
import { prepareSwarm } from './swarm.js';

/**
 * The tests need a real Redis: TEST_REDIS_URL, else the machine's at 127.0.0.1:6379, else (a fresh machine whose
 * redis-server is installed but not running) a private redis-server for this run. Workers inherit the URL, and
 * whether the Docker and swarm tests run (./docker.ts, ./swarm.ts).
 */

const DEFAULT_URL = 'redis://127.0.0.1:6379';

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  // Every `fleetbot up` / `bot` a test spawns would otherwise open its dashboard on the default 127.0.0.1:8080 — the
  // port the compose deploy's bot and its Prometheus use, so a test running beside that one took the port and
  // Prometheus scraped the wrong process. Tests that need a dashboard set DASHBOARD_PORT themselves.
  process.env.DASHBOARD_PORT ??= '0';
  const dockerSkip = await prepareDocker();
  if (dockerSkip && process.env.FLEETBOT_REQUIRE_DOCKER === '1') throw new Error(`FLEETBOT_REQUIRE_DOCKER=1 but ${dockerSkip}`);
  if (dockerSkip) process.stderr.write(`fleetbot tests: the Docker tests skip: ${dockerSkip}\n`);
  process.env.FLEETBOT_DOCKER_SKIP = dockerSkip ?? '';
  const swarmSkip = await prepareSwarm();
  if (swarmSkip && process.env.FLEETBOT_REQUIRE_SWARM === '1') throw new Error(`FLEETBOT_REQUIRE_SWARM=1 but ${swarmSkip}`);
  if (swarmSkip) process.stderr.write(`fleetbot tests: the swarm tests skip: ${swarmSkip}\n`);
  process.env.FLEETBOT_SWARM_SKIP = swarmSkip ?? '';
  if (process.env.TEST_REDIS_URL) {
    if (!(await answers(process.env.TEST_REDIS_URL))) throw new Error(`TEST_REDIS_URL=${process.env.TEST_REDIS_URL} does not answer`);
    return undefined;
  }
  if (await answers(DEFAULT_URL)) {
    process.env.TEST_REDIS_URL = DEFAULT_URL;
    return undefined;
  }
  const redis = await startEmbeddedRedis(mkdtempSync(path.join(tmpdir(), 'fleetbot-test-redis-')), createLogger({ level: 'warn' }));
  process.env.TEST_REDIS_URL = redis.url;
  return () => redis.stop();
}
