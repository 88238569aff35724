import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { RedisHub } from '../redis/hub.js';
import { PROCESS_INSTANCE } from './instance.js';
import { registry } from './metrics.js';

/**
 * One scrape for the whole fleet. Processes without a dashboard (`fleetbot agent …`, compose's agent containers)
 * publish their fleetbot_* metrics to Redis; the bot's /metrics adds them to its own, summing counters and
 * histograms per label set as prom-client does for a cluster. So Prometheus scrapes one target, and the job
 * durations of the ops agent or the scanner's figures are there wherever those run. Each process keeps its own
 * `process_*` and `nodejs_*` metrics: only the bot's are served.
 * Side effects: writes and reads the `<prefix>:metrics` hash.
 */

const PUBLISH_MS = 5000;
/** A process silent for three rounds is gone: its figures leave the sum (rate() reads the drop as a reset). */
const LIVE_MS = 3 * PUBLISH_MS;
/** Entries of processes gone this long are removed. */
const FORGET_MS = 60 * 60_000;

type MetricJson = MetricObjectWithValues<MetricValue<string>>;

async function ownFleetbotMetrics(): Promise<MetricJson[]> {
  return (await registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('fleetbot_'));
}

export function publishMetrics(hub: RedisHub): { stop(): Promise<void> } {
  const key = hub.key('metrics');
  const publish = async () => {
    try {
      await hub.client.hset(key, PROCESS_INSTANCE, JSON.stringify({ at: Date.now(), metrics: await ownFleetbotMetrics() }));
    } catch {
      // Redis is away: the next round tries again, and until then the bot's sum lacks this process.
    }
  };
  void publish();
  const timer = setInterval(() => void publish(), PUBLISH_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await hub.client.hdel(key, PROCESS_INSTANCE).catch(() => {});
    },
  };
}

/** The Prometheus text of this process's registry plus every live publisher's fleetbot_* metrics. */
export async function fleetMetricsText(hub: RedisHub, now = Date.now()): Promise<string> {
  const key = hub.key('metrics');
  const published: MetricJson[][] = [];
  for (const [instance, json] of Object.entries(await hub.client.hgetall(key))) {
    const entry = JSON.parse(json) as { at: number; metrics: MetricJson[] };
    if (now - entry.at > FORGET_MS) await hub.client.hdel(key, instance);
    else if (now - entry.at <= LIVE_MS) published.push(entry.metrics);
  }
  if (published.length === 0) return registry.metrics();
  return AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), ...published]).metrics();
}
