import { z } from 'zod';
import { fleetMetricsText } from '../../telemetry/shared-metrics.js';
import { redisServer, tool, toolResult } from './server.js';

/**
 * The `metrics-collector` MCP server: the figures every fleetbot process publishes to Redis, gathered into one
 * Prometheus text exposition (what the bot's /metrics serves), optionally only the series matching a name.
 * Side effects: reads Redis.
 */

export default redisServer({
  name: 'metrics-collector',
  description: "Every fleetbot process's metrics, gathered from Redis",
  tools(hub) {
    return {
      metrics: tool({
        description: 'Prometheus text of the fleet-wide metrics; `match` keeps only the lines that contain it',
        input: { match: z.string().max(100).optional().describe('Part of a metric name, e.g. fleetbot_jobs') },
        async run({ match }) {
          const lines = (await fleetMetricsText(hub)).split('\n').filter((l) => l && (!match || l.includes(match)));
          return toolResult(lines.join('\n') || 'no metrics published yet', { series: lines.filter((l) => !l.startsWith('#')).length });
        },
      }),
    };
  },
});
