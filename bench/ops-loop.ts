import { fileURLToPath } from 'node:url';
import { QueueEvents, Worker } from 'bullmq';
import { loadConfig } from '../config/index.js';
import type { Caller } from '../security/permissions.js';
import { startBenchStack } from './stack.js';
import { measure, measureSideBySide, row } from './stats.js';

/**
 * The ops loop, end to end: `/status` and `/restart` through the dispatcher, the ops queue, the ops agent and the
 * default fleet — next to a bare BullMQ add → process → result round trip on the same Redis in the same run (one in
 * flight: the two take turns, so the ratio is not the machine's mood between two runs).
 */

const caller: Caller = { id: 'bench', name: 'bench', permission: 'admin', via: 'console' };

/** The default fleet's /status p50 of this run, for the larger fleet's ratio; and the last fleet's. */
let defaultFleetStatusP50: number | undefined;
let lastStatusP50: number | undefined;

/** fleets/stress-81.yaml, next to the default fleet's figure of this run (measured first when this run has none). */
export async function benchOpsLoop81(): Promise<string[]> {
  const out = defaultFleetStatusP50 === undefined ? (await benchOpsLoop({ n: 500 })).map((l) => `(9) ${l}`) : [];
  const nine = defaultFleetStatusP50!;
  out.push(...(await benchOpsLoop({ fleetFile: 'fleets/stress-81.yaml', n: 500 })));
  out.push(`/status p50 at 81 members ÷ at 9 = ${(lastStatusP50! / nine).toFixed(2)}× (target ≤ 2×)`);
  return out;
}

/** `fleetFile`: another fleet than the default (e.g. fleets/stress-81.yaml); `n`: round trips per figure. */
export async function benchOpsLoop({ fleetFile, n = 2000 }: { fleetFile?: string; n?: number } = {}): Promise<string[]> {
  const { config, stack, shared, bot } = await startBenchStack((c) => {
    if (!fleetFile) return c;
    const other = loadConfig({ ...process.env, FLEET_FILE: fleetFile }, fileURLToPath(new URL('../..', import.meta.url)));
    return { ...c, manifest: other.manifest, fleetFile: other.fleetFile };
  });
  const { hub } = shared;
  const { dispatcher } = bot;
  const out: string[] = [];
  try {
    out.push(`Redis: ${config.redis.url ? 'REDIS_URL' : 'embedded redis-server'}; fleet of ${config.manifest.members.length}: ${config.manifest.members.slice(0, 12).map((m) => m.name).join(', ')}${config.manifest.members.length > 12 ? ', …' : ''}`);

    // Bare BullMQ, on the same Redis: the floor any queue-based bot pays.
    const bare = hub.queue('bare');
    bare.setMaxListeners(0);
    const events = new QueueEvents('bare', { connection: hub.connect(), prefix: hub.prefix });
    const worker = new Worker('bare', async (job) => ({ echo: job.data.i }), { connection: hub.connect(), prefix: hub.prefix, concurrency: 16 });
    await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
    const roundTrip = async (i: number) => (await bare.add('echo', { i }, { removeOnComplete: 1000 })).waitUntilFinished(events, 10_000);
    const status = async () => {
      const reply = await dispatcher.dispatchLine('/status', caller, 'bench');
      if (!reply.table) throw new Error(`/status failed: ${reply.title}`);
    };
    await measureSideBySide(200, roundTrip, status);
    const [bareSeq, statusSeq] = await measureSideBySide(n, roundTrip, status);
    const bareConc = await measure(2 * n, 16, roundTrip);
    const statusConc = await measure(2 * n, 16, status);
    const target = config.manifest.members.find((m) => m.name.startsWith('monitoring'))!.name;
    const restart = await measure(fleetFile ? 5 : 20, 1, async () => {
      const reply = await dispatcher.dispatchLine(`/restart ${target}`, caller, 'bench');
      if (reply.tone !== 'ok') throw new Error(reply.title);
    });

    out.push(
      row('bare BullMQ add→process→result (1 in flight)', bareSeq),
      row('bare BullMQ (16 in flight)', bareConc),
      row('fleetbot /status, whole loop (1 in flight)', statusSeq),
      row('fleetbot /status, whole loop (16 in flight)', statusConc),
      row(`fleetbot /restart ${target} (until healthy)`, restart),
      `/status p50 ÷ bare BullMQ p50 = ${(statusSeq.p50 / bareSeq.p50).toFixed(2)}×${fleetFile ? '' : ' (target ≤ 1.5×, with the default fleet)'}`,
    );
    lastStatusP50 = statusSeq.p50;
    if (!fleetFile) defaultFleetStatusP50 = statusSeq.p50;
    await worker.close();
    await events.close();
    await bare.obliterate({ force: true });
    await bare.close();
    const keys = await hub.client.keys(`${hub.prefix}:*`);
    if (keys.length) await hub.client.del(...keys);
  } finally {
    await stack.stop();
  }
  return out;
}
