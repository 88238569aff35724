import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, describe, expect, it } from 'vitest';
import { metrics } from '../../telemetry/metrics.js';
import { fleetMetricsText, publishMetrics } from '../../telemetry/shared-metrics.js';
import { dropHub, testHub } from '../support/redis.js';

// Figures published by other processes (as `fleetbot agent` does) are added to this one's in /metrics while their
// publisher is alive; a silent one leaves the sum, and one gone for an hour leaves Redis. Real Redis.

type Sample = { name: string; metrics: { value: string; labels?: Record<string, string> }[] };

describe('metrics shared through Redis', () => {
  const hub = testHub();
  afterAll(() => dropHub(hub));

  const pools = async (now?: number) => {
    const samples = parsePrometheusTextFormat(await fleetMetricsText(hub, now)) as Sample[];
    return Number(samples.find((m) => m.name === 'fleetbot_scanner_pools_read_total')!.metrics[0]!.value);
  };
  /** What another process with `read` pools read would have published `ageMs` ago. */
  const publishedBy = async (instance: string, read: number, ageMs: number) => {
    const metric = { name: 'fleetbot_scanner_pools_read_total', help: 'Pool reserves read by the scanner', type: 'counter', aggregator: 'sum', values: [{ value: read, labels: {} }] };
    await hub.client.hset(hub.key('metrics'), instance, JSON.stringify({ at: Date.now() - ageMs, metrics: [metric] }));
  };

  it('GIVEN live, silent and long-gone publishers THEN only the live ones are added, and the long-gone are removed', async () => {
    metrics.scannerPairs.inc(5);
    expect(await pools()).toBe(5);
    await publishedBy('scanner-a', 100, 1000);
    await publishedBy('scanner-b', 20, 2000);
    await publishedBy('silent', 7000, 20_000);
    await publishedBy('gone', 9000, 2 * 3600_000);
    expect(await pools()).toBe(125);
    expect(Object.keys(await hub.client.hgetall(hub.key('metrics'))).sort()).toEqual(['scanner-a', 'scanner-b', 'silent']);
    // Twenty seconds on, every publisher above has gone silent.
    expect(await pools(Date.now() + 20_000)).toBe(5);
  });

  it('GIVEN this process publishing THEN its entry is there while it runs and gone when it stops', async () => {
    const publisher = publishMetrics(hub);
    const entries = async () => Object.values(await hub.client.hgetall(hub.key('metrics'))).map((json) => JSON.parse(json) as { metrics: { name: string }[] });
    await expect.poll(async () => (await entries()).length).toBe(4);
    const own = (await entries()).find((e) => e.metrics.some((m) => m.name === 'fleetbot_commands_total'))!;
    // Only fleetbot's own figures: each process's runtime metrics stay its own.
    expect(own.metrics.every((m) => m.name.startsWith('fleetbot_'))).toBe(true);
    await publisher.stop();
    expect(await entries()).toHaveLength(3);
  });
});
