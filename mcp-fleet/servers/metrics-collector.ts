import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RedisHub } from '../../redis/hub.js';
import { fleetMetricsText } from '../../telemetry/shared-metrics.js';
import { guarded, toolResult, type ServerDefinition } from './index.js';

/**
 * The `metrics-collector` MCP server: the figures every fleetbot process publishes to Redis, gathered into one
 * Prometheus text exposition (what the bot's /metrics serves), optionally only the series matching a name.
 * Side effects: reads Redis.
 */

export default {
  name: 'metrics-collector',
  description: "Every fleetbot process's metrics, gathered from Redis",
  async open(config) {
    if (!config.redis.url) throw new Error('the metrics-collector server needs REDIS_URL');
    const hub = new RedisHub(config.redis.url, config.redis.prefix);
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-metrics-collector', version: '0.1.0' });
        server.registerTool(
          'metrics',
          {
            description: 'Prometheus text of the fleet-wide metrics; `match` keeps only the series whose name contains it',
            inputSchema: { match: z.string().max(100).optional().describe('Part of a metric name, e.g. fleetbot_jobs') },
            annotations: { readOnlyHint: true },
          },
          ({ match }) => guarded(async () => {
            const text = await fleetMetricsText(hub);
            const lines = text.split('\n').filter((l) => l && (!match || l.includes(match)));
            return toolResult(lines.join('\n') || 'no metrics published yet', { series: lines.filter((l) => !l.startsWith('#')).length });
          }),
        );
        return server;
      },
      close: () => hub.close(),
    };
  },
} satisfies ServerDefinition;
