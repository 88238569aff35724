import { History, SERIES, type SeriesName } from '../../telemetry/history.js';
import type { Logger } from '../../telemetry/logger.js';
import { renderChart } from './chart.js';
import type { ChartImage, Telemetry } from '../../commands/index.js';
import type { FleetSnapshot, FleetView } from './fleet-view.js';

/**
 * The bot's eye on the fleet: snapshots for the dashboard and /metrics, and a history sampled every few seconds for
 * charts. Side effects: reads Redis on every snapshot and sample.
 */

export class FleetWatch implements Telemetry {
  readonly history = new History();
  private timer?: NodeJS.Timeout;

  constructor(
    readonly view: FleetView,
    private readonly log: Logger,
    private readonly sampleMs = 10_000,
  ) {}

  snapshot(): Promise<FleetSnapshot> {
    return this.view.snapshot();
  }

  start(): void {
    const sample = async () => {
      try {
        const s = await this.snapshot();
        this.history.record(s.at, {
          healthy: s.members.filter((m) => m.health === 'healthy').length,
          restarts: s.members.reduce((n, m) => n + m.restarts, 0),
          queued: s.queues.reduce((n, q) => n + q.waiting, 0),
          jobs: s.queues.reduce((n, q) => n + q.completedPerMinute, 0),
          failures: s.queues.reduce((n, q) => n + q.failedPerMinute, 0),
          ...(s.findings ? { opportunities: s.findings.lines.length, scan: s.findings.scanMs } : {}),
        });
      } catch (error) {
        this.log.debug('history sample failed', { error });
      }
    };
    void sample();
    this.timer = setInterval(() => void sample(), this.sampleMs);
    this.timer.unref();
  }

  chart(series: SeriesName, rangeMs: number): ChartImage {
    const to = Date.now();
    const points = this.history.series(series, rangeMs, to);
    const width = 800;
    const height = 400;
    const png = renderChart({ ...SERIES[series], points, from: to - rangeMs, to, width, height });
    return { png, filename: `${series}.png`, width, height, samples: points.length };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.view.close();
  }
}
