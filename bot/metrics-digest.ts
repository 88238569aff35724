import type { Telemetry } from '../commands/index.js';
import type { NotifyClient } from '../queues/notify.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * The metrics channel's digest: every interval, the fleet's key figures (as /metrics shows them) and a chart of
 * healthy members, through the notify queue like every notice. Runs in the bot process, where the figures are.
 */
export function startMetricsDigest(deps: { telemetry: Telemetry; notify: NotifyClient; everyMs: number; log: Logger }): { stop(): void } {
  const post = async () => {
    try {
      const s = await deps.telemetry.snapshot();
      const healthy = s.members.filter((m) => m.health === 'healthy').length;
      const sum = (pick: (q: (typeof s.queues)[number]) => number) => s.queues.reduce((n, q) => n + pick(q), 0);
      const chart = deps.telemetry.chart('healthy', deps.everyMs);
      await deps.notify.add('metrics', {
        title: `fleet: ${healthy}/${s.members.length} healthy, ${sum((q) => q.waiting)} jobs waiting`,
        lines: [
          `member restarts: ${s.members.reduce((n, m) => n + m.restarts, 0)}`,
          `jobs per minute: ${sum((q) => q.completedPerMinute)} finished, ${sum((q) => q.failedPerMinute)} failed`,
          `agents alive: ${s.agents.filter((a) => a.alive).length} of ${s.agents.length}`,
          ...(s.findings ? [`latest scan: block ${s.findings.block}, ${s.findings.lines.length} opportunities`] : []),
        ],
        chart: chart.samples > 1 ? { filename: chart.filename, pngBase64: chart.png.toString('base64') } : undefined,
        at: Date.now(),
      });
    } catch (error) {
      deps.log.warn('metrics digest failed', { error });
    }
  };
  const timer = setInterval(() => void post(), deps.everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
