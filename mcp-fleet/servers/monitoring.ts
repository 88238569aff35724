import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { listAgents } from '../../agents/heartbeat.js';
import { formatDuration } from '../../config/duration.js';
import { RedisHub } from '../../redis/hub.js';
import { MemberStatusSchema, type MemberStatus } from '../status.js';
import { guarded, toolError, toolResult, type ServerDefinition } from './index.js';

/**
 * The `monitoring` MCP server: the fleet's status and the agents' heartbeats, as the health agent last wrote them
 * to Redis. Side effects: reads Redis.
 */

const SnapshotSchema = z.object({ members: z.array(MemberStatusSchema), at: z.number() });

function line(m: MemberStatus): string {
  const uptime = m.uptimeMs === undefined ? '' : `, up ${formatDuration(m.uptimeMs)}`;
  return `${m.name}: ${m.state}, ${m.health}${uptime}, ${m.restarts} restarts${m.reason ? ` (${m.reason})` : ''}`;
}

export default {
  name: 'monitoring',
  description: 'Fleet status and agent heartbeats from Redis',
  async open(config) {
    if (!config.redis.url) throw new Error('the monitoring server needs REDIS_URL');
    const hub = new RedisHub(config.redis.url, config.redis.prefix);
    const snapshot = async () => {
      const raw = await hub.client.get(hub.key('fleet-status'));
      if (!raw) throw new Error('no fleet status yet: is the health agent running?');
      return SnapshotSchema.parse(JSON.parse(raw));
    };
    const readOnly = { readOnlyHint: true };
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-monitoring', version: '0.1.0' });
        server.registerTool(
          'fleet_status',
          { description: 'Every fleet member with its state, health, uptime and restarts', annotations: readOnly },
          () => guarded(async () => {
            const { members, at } = await snapshot();
            const age = formatDuration(Date.now() - at);
            return toolResult([`fleet status as of ${age} ago:`, ...members.map(line)].join('\n'), { members, at });
          }),
        );
        server.registerTool(
          'member_status',
          {
            description: 'The state, health, uptime and restarts of one fleet member',
            inputSchema: { member: z.string().describe('Fleet member name, e.g. price-feed') },
            annotations: readOnly,
          },
          ({ member }) => guarded(async () => {
            const { members } = await snapshot();
            const found = members.find((m) => m.name === member);
            if (!found) return toolError(`unknown member "${member.slice(0, 64)}"; members: ${members.map((m) => m.name).join(', ')}`);
            return toolResult(line(found), { member: found });
          }),
        );
        server.registerTool(
          'agents',
          { description: "fleetbot's agents and whether each is alive", annotations: readOnly },
          () => guarded(async () => {
            const agents = await listAgents(hub);
            const text = agents.map((a) => `${a.name} on ${a.host}:${a.pid}: ${a.alive ? 'alive' : 'silent'}, ${a.jobsDone} jobs done`);
            return toolResult(text.join('\n') || 'no agent has reported', { agents });
          }),
        );
        return server;
      },
      close: () => hub.close(),
    };
  },
} satisfies ServerDefinition;
