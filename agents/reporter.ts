import { describeOpportunity } from '../defi/describe.js';
import { lastScan, takeDefiCounts } from '../state/defi-scan.js';
import { defineAgent, repeat } from './worker-agent.js';

/**
 * The reporter posts a digest to the findings channel every REPORT_INTERVAL: scans run, findings posted, trades
 * executed since the last digest, and the best opportunity of the latest scan. Quiet when DeFi is not configured.
 * Side effects: reads and resets `<prefix>:defi:stats`; notify jobs.
 */

export const reporterAgent = defineAgent({
  name: 'reporter',
  description: 'posts a periodic digest of findings and executions',
  work({ hub, log, notify, defi }, heartbeat) {
    const report = async () => {
      try {
        const counts = await takeDefiCounts(hub);
        const scan = await lastScan(hub);
        const best = scan?.opportunities[0];
        await notify.add('finding', {
          type: 'digest',
          title: `DeFi digest: ${counts.scans} scans, ${counts.posted} findings posted, ${counts.executed} executed`,
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
    return defi.missing() ? {} : repeat(() => defi.config.reportMs, report, log, { later: true });
  },
});
