import { describeOpportunity } from '../defi/describe.js';
import { startHeartbeat } from './heartbeat.js';
import type { AgentDefinition } from './index.js';
import { defiKeys, lastScan } from './scanner.js';

/**
 * The reporter posts a digest to the findings channel every REPORT_INTERVAL: scans run, findings posted, trades
 * executed since the last digest, and the best opportunity of the latest scan. Quiet when DeFi is not configured.
 * Side effects: reads and resets `<prefix>:defi:stats`; notify jobs.
 */

export const reporterAgent: AgentDefinition = {
  name: 'reporter',
  description: 'posts a periodic digest of findings and executions',
  needsFleet: false,
  start({ hub, log, notify, defi }) {
    const heartbeat = startHeartbeat(hub, 'reporter');
    const report = async () => {
      try {
        const key = defiKeys(hub).stats;
        const [[, stats]] = (await hub.client.multi().hgetall(key).del(key).exec()) as [[null, Record<string, string>]];
        const scan = await lastScan(hub);
        const best = scan?.opportunities[0];
        await notify.add('finding', {
          type: 'digest',
          title: `DeFi digest: ${stats.scans ?? 0} scans, ${stats.posted ?? 0} findings posted, ${stats.executed ?? 0} executed`,
          lines: [
            scan ? `latest scan: block ${scan.block}, ${scan.pools} pools, ${scan.cycles} cycles, ${scan.opportunities.length} opportunities` : 'no scan yet',
            ...(best ? [`best: ${describeOpportunity(best)}`] : []),
          ],
          at: Date.now(),
        });
        heartbeat.count('done');
      } catch (error) {
        heartbeat.count('failed');
        log.warn('digest failed', { error });
      }
    };
    const timer = defi.missing() ? undefined : setInterval(() => void report(), defi.config.reportMs);
    return {
      ready: Promise.resolve(),
      async stop() {
        clearInterval(timer);
        await heartbeat.stop();
      },
    };
  },
};
