import Docker from 'dockerode';
import { HealState } from '../state/heal-state.js';
import { loadConfig, type Config } from '../config/index.js';
import { LABELS } from '../mcp-fleet/backends/docker.js';
import { HealthStore } from '../state/health.js';
import { MemberSchema, type FleetBackendKind } from '../config/manifest.js';
import { freePort } from '../mcp-fleet/ports.js';
import { HEALTHZ } from '../tests/support/backends.js';
import { startBenchStack } from './stack.js';
import { figures, type Figures } from './stats.js';

/**
 * Self-healing, measured: 20 times, SIGKILL to a fleet member (fleetbot's monitoring MCP server, health interval
 * 500 ms) and the time until the healer issues the restart, until the member is healthy again, and until the healing
 * notice is queued for the channel — on the docker backend (real engine, container health check) and the process
 * backend, in the same run. Before each kill the member is healthy and `/heal resume` gives it a fresh budget and
 * backoff, so every kill is a first incident. Next to it, docker-autoheal's design as a computed reference.
 */

const KILLS = 20;
const IMAGE = 'fleetbot:local';

interface Sample {
  issued: number;
  healthy: number;
  notice: number;
}

async function dockerReady(config: Config): Promise<string | undefined> {
  const docker = new Docker(config.docker);
  try {
    await docker.ping();
  } catch (error) {
    return `no Docker engine (${(error as Error).message}); set DOCKER_HOST`;
  }
  return docker.getImage(IMAGE).inspect().then(() => undefined, () => `no ${IMAGE} image: build it as .ci/run does`);
}

async function measureBackend(backend: FleetBackendKind): Promise<Sample[]> {
  const port = await freePort();
  const command = ['serve', 'monitoring', '--http', '--port', '${PORT}'];
  const member = MemberSchema.parse({
    name: 'monitoring',
    transport: 'http',
    port,
    image: IMAGE,
    command: backend === 'docker' ? command : ['fleetbot', ...command],
    env: { REDIS_URL: '${REDIS_URL}', REDIS_PREFIX: '${REDIS_PREFIX}' },
    health: { interval: '500ms', timeout: '1s', retries: 2, start_period: '10s', ...(backend === 'docker' ? { test: HEALTHZ } : {}) },
    restart: { policy: 'on-failure' },
  });
  const { config, stack, shared, fleet } = await startBenchStack((c) => ({ ...c, fleetBackend: backend, manifest: { members: [member] } }));
  try {
    const { hub } = shared;
    const health = new HealthStore(hub);
    const heal = new HealState(hub);
    const notify = hub.queue('notify');
    const healQueue = hub.queue('heal');
    stack.defer('bench queues', async () => {
      await notify.close();
      await healQueue.close();
    });
    const docker = new Docker(config.docker);
    const kill = async () => {
      if (backend === 'process') return process.kill((await fleet.backend.list())[0]!.pid!, 'SIGKILL');
      const [container] = await docker.listContainers({ filters: { label: [`${LABELS.fleet}=${hub.prefix}`, `${LABELS.member}=monitoring`] } });
      await docker.getContainer(container!.Id).kill({ signal: 'SIGKILL' });
    };
    const until = async <T>(probe: () => Promise<T | undefined>, what: string): Promise<T> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`${backend}: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    const samples: Sample[] = [];
    for (let i = 0; i < KILLS; i++) {
      await until(async () => ((await health.get('monitoring'))?.status === 'healthy' ? true : undefined), 'healthy before the kill');
      await heal.resume('monitoring');
      const killedAt = Date.now();
      await kill();
      const notice = await until(async () => (await notify.getJobs(['waiting', 'active', 'completed'])).find((j) => j.name === 'healing' && j.data.at > killedAt), 'healing notice');
      const job = (await healQueue.getJobs(['active', 'completed'])).find((j) => j.data.restartRequestedAt && j.data.restartRequestedAt > killedAt);
      const now = await health.get('monitoring');
      if (!job || now?.status !== 'healthy' || !notice.data.title.endsWith('healthy')) throw new Error(`${backend}: kill ${i + 1} did not heal: ${notice.data.title}`);
      samples.push({ issued: job.data.restartRequestedAt - killedAt, healthy: now.since - killedAt, notice: notice.timestamp - killedAt });
    }
    return samples;
  } finally {
    await stack.stop();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(9);
const line = (name: string, f: Figures) => `${name.padEnd(44)} p50 ${seconds(f.p50)}  p99 ${seconds(f.p99)}`;

/** docker-autoheal's design with Docker's default health check (interval 30 s, timeout 30 s, retries 3): computed. */
function reference(): string[] {
  const interval = 30, timeout = 30, retries = 3, poll = 5, stopTimeout = 10;
  // A hang: the first check that meets it starts within one interval, each failing check lasts its timeout, the next
  // starts an interval after the last ended; unhealthy after `retries` of them; autoheal sees it on its next poll.
  const unhealthyExpected = interval / 2 + retries * timeout + (retries - 1) * interval;
  const unhealthyWorst = interval + retries * timeout + (retries - 1) * interval;
  // After a restart, Docker runs the first check one interval after the start.
  return [
    'design reference, computed — not measured: docker-autoheal (polls every 5 s for containers Docker marks unhealthy,',
    "restarts them with a 10 s stop timeout) with Docker's default health check (interval 30 s, timeout 30 s, retries 3):",
    `  kill → restart issued: never by autoheal (it restarts unhealthy containers only; an exited one waits for Docker's restart policy)`,
    `  kill → healthy, with restart: on-failure: ~${interval} s (the first check runs ${interval} s after the restart); no notice`,
    `  hang → restart issued: expected ${unhealthyExpected + poll / 2} s, worst ${unhealthyWorst + poll} s`,
    `  hang → healthy: expected ${unhealthyExpected + poll / 2 + interval} s (stops at once), worst ${unhealthyWorst + poll + stopTimeout + interval} s (stop timeout)`,
  ];
}

export async function benchHealing(): Promise<string[]> {
  const out: string[] = [];
  const skipDocker = await dockerReady(loadConfig());
  for (const backend of ['docker', 'process'] as const) {
    if (backend === 'docker' && skipDocker) {
      out.push(`docker backend: skipped — ${skipDocker}`);
      continue;
    }
    const samples = await measureBackend(backend);
    const check = backend === 'docker' ? 'container health check' : 'MCP ping';
    out.push(
      `${backend} backend, ${KILLS} kills, ${check} every 500 ms:`,
      line('  kill → restart issued by the healer', figures(samples.map((s) => s.issued), 1)),
      line('  kill → healthy again', figures(samples.map((s) => s.healthy), 1)),
      line('  kill → healing notice queued', figures(samples.map((s) => s.notice), 1)),
    );
  }
  out.push(...reference());
  return out;
}
