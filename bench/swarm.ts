import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { loadEnvConfig } from '../config/index.js';
import { MemberSchema, type Member } from '../config/manifest.js';
import { SwarmBackend } from '../mcp-fleet/backends/swarm.js';
import { McpPool } from '../mcp-fleet/pool.js';
import { freePort } from '../mcp-fleet/ports.js';
import { createLogger } from '../telemetry/logger.js';
import { figures, measure, row } from './stats.js';

/**
 * The swarm backend, measured on a real swarm (FLEETBOT_SWARM_DIR, made by deploy/local-swarm.sh): fleetbot's
 * monitoring MCP server as a member. A replica killed (SIGKILL to its container) → a new replica answering MCP ping,
 * 10 times; `scale` 1 → 5 → every replica answering, 3 times; MCP tool calls per second through the pool to 1 and to
 * 3 replicas (16 in flight, a read-only tool that reads Redis).
 */

const KILLS = 10;
const SCALES = 3;
const SCALE_TO = 5;
const CALLS = 2000;
const IMAGE = `127.0.0.1:5000/${process.env.FLEETBOT_IMAGE ?? 'fleetbot:local'}`;
const log = createLogger({ level: 'error' });

function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
}

/** Every wanted replica runs and answers a ping through the pool. */
const answering = (backend: SwarmBackend, pool: McpPool, replicas: number) => async () => {
  const state = (await backend.list())[0]!;
  if (state.replicas?.running !== replicas) return undefined;
  await pool.ping('monitoring', 1000).catch(() => undefined);
  const views = await pool.replicasOf('monitoring');
  return views.length === replicas && views.every((v) => v.inRotation) ? views : undefined;
};

export async function benchSwarm(): Promise<string[]> {
  const dir = process.env.FLEETBOT_SWARM_DIR;
  if (!dir) return ['skipped: FLEETBOT_SWARM_DIR is not set (deploy/local-swarm.sh up DIR fleetbot:local makes a swarm)'];
  const env = { FLEET_BACKEND: 'swarm', DOCKER_HOST: `unix://${dir}/manager/docker.sock` };
  const manager = new Docker(loadEnvConfig(env).docker);
  try {
    await manager.getImage(IMAGE).inspect();
  } catch (error) {
    return [`skipped: no swarm manager with ${IMAGE} at ${env.DOCKER_HOST} (${(error as Error).message})`];
  }
  const free = await freePort();
  const member: Member = MemberSchema.parse({
    name: 'monitoring',
    transport: 'http',
    port: free - (free % 10),
    image: IMAGE,
    command: ['serve', 'monitoring', '--http', '--port', '${PORT}'],
    env: { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `bench-${randomUUID().slice(0, 8)}` },
    // On the manager: its containers are the ones this process can kill.
    placement: { constraints: ['node.role == manager'] },
    max_replicas: 5,
  });
  const backend = new SwarmBackend({ members: [member], vars: {}, connection: loadEnvConfig(env).docker, fleet: `bench-${randomUUID().slice(0, 8)}`, log, stopTimeoutMs: 2000 });
  const pool = new McpPool(backend, [member], { log, connectTimeoutMs: 2000, callTimeoutMs: 5000, reprobeMs: 50 });
  const out: string[] = [];
  try {
    await backend.startAll();
    await until(answering(backend, pool, 1), 'the first replica');

    const kills: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const [view] = await until(answering(backend, pool, 1), 'one replica');
      const task = (await manager.getTask(view!.instance).inspect()) as { Status: { ContainerStatus?: { ContainerID?: string } } };
      const killedAt = performance.now();
      await manager.getContainer(task.Status.ContainerStatus!.ContainerID!).kill({ signal: 'SIGKILL' });
      await until(async () => {
        const views = await answering(backend, pool, 1)();
        return views && views[0]!.instance !== view!.instance ? views : undefined;
      }, 'a replacement');
      kills.push(performance.now() - killedAt);
    }
    const k = figures(kills, 1);
    out.push(`replica killed → replacement answering ping (n=${k.n}, restart delay 200 ms)   p50 ${(k.p50 / 1000).toFixed(2)} s  p99 ${(k.p99 / 1000).toFixed(2)} s`);
    process.stderr.write(`${out.at(-1)}\n`);

    const scales: number[] = [];
    for (let i = 0; i < SCALES; i++) {
      const began = performance.now();
      await backend.scale('monitoring', SCALE_TO);
      await until(answering(backend, pool, SCALE_TO), `${SCALE_TO} replicas`, 120_000);
      scales.push(performance.now() - began);
      await backend.scale('monitoring', 1);
      await until(answering(backend, pool, 1), 'back to 1 replica');
    }
    const s = figures(scales, 1);
    out.push(`scale 1 → ${SCALE_TO}, every replica answering (n=${s.n})                 p50 ${(s.p50 / 1000).toFixed(2)} s  max ${(Math.max(...scales) / 1000).toFixed(2)} s`);

    const one = await measure(CALLS, 16, () => pool.callTool('monitoring', 'agents', {}));
    await backend.scale('monitoring', 3);
    await until(answering(backend, pool, 3), '3 replicas');
    await measure(100, 16, () => pool.callTool('monitoring', 'agents', {})); // every replica connected first
    const three = await measure(CALLS, 16, () => pool.callTool('monitoring', 'agents', {}));
    out.push(row('tool calls through 1 replica (16 in flight)', one));
    out.push(row('tool calls through 3 replicas (16 in flight)', three));
    out.push(`3 replicas / 1 replica: ${(three.perSecond / one.perSecond).toFixed(2)}× the calls per second (2 cores shared by fleetbot, the engine and the replicas)`);
  } finally {
    await pool.close();
    await backend.close();
  }
  return out;
}
