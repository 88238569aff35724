/**
 * Recent history of a few fleet figures, kept in this process for charts: one sample per series every interval,
 * a day of them at most. Nothing is stored elsewhere; a restarted bot starts a fresh history.
 */

export const SERIES = {
  healthy: { title: 'healthy members', unit: 'members' },
  restarts: { title: 'member restarts (total)', unit: 'restarts' },
  queued: { title: 'jobs waiting in queues', unit: 'jobs' },
  jobs: { title: 'jobs finished per minute', unit: 'jobs/min' },
  failures: { title: 'jobs failed per minute', unit: 'jobs/min' },
  opportunities: { title: 'arbitrage opportunities in the latest scan', unit: 'opportunities' },
  scan: { title: 'scan duration', unit: 'ms' },
} as const;
export type SeriesName = keyof typeof SERIES;

export class History {
  private readonly samples = new Map<SeriesName, { at: number; value: number }[]>();

  constructor(private readonly capacity = 24 * 360) {}

  record(at: number, values: Partial<Record<SeriesName, number>>): void {
    for (const [name, value] of Object.entries(values) as [SeriesName, number][]) {
      const series = this.samples.get(name) ?? [];
      series.push({ at, value });
      if (series.length > this.capacity) series.splice(0, series.length - this.capacity);
      this.samples.set(name, series);
    }
  }

  /** The samples of the last `rangeMs`, oldest first. */
  series(name: SeriesName, rangeMs: number, now = Date.now()): { at: number; value: number }[] {
    return (this.samples.get(name) ?? []).filter((s) => s.at >= now - rangeMs);
  }
}
