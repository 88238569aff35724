import { z } from 'zod';
import { formatDuration } from '../../config/duration.js';
import { readFleetStatus, type MemberStatus } from '../../state/fleet-status.js';
import { listAgents } from '../../state/heartbeats.js';
import { redisServer, tool, toolError, toolResult } from './server.js';

/**
 * The `monitoring` MCP server: the fleet's status and the agents' heartbeats, as the health agent last wrote them
 * to Redis. Side effects: reads Redis.
 */

function line(m: MemberStatus): string {
  const uptime = m.uptimeMs === undefined ? '' : `, up ${formatDuration(m.uptimeMs)}`;
  return `${m.name}: ${m.state}, ${m.health}${uptime}, ${m.restarts} restarts${m.reason ? ` (${m.reason})` : ''}`;
}

export default redisServer({
  name: 'monitoring',
  description: 'Fleet status and agent heartbeats from Redis',
  tools(hub) {
    const snapshot = async () => {
      const status = await readFleetStatus(hub);
      if (!status) throw new Error('no fleet status yet: is the health agent running?');
      return status;
    };
    return {
      fleet_status: tool({
        description: 'Every fleet member with its state, health, uptime and restarts',
        async run() {
          const { members, at } = await snapshot();
          const age = formatDuration(Date.now() - at);
          return toolResult([`fleet status as of ${age} ago:`, ...members.map(line)].join('\n'), { members, at });
        },
      }),
      member_status: tool({
        description: 'The state, health, uptime and restarts of one fleet member',
        input: { member: z.string().describe('Fleet member name, e.g. price-feed') },
        async run({ member }) {
          const { members } = await snapshot();
          const found = members.find((m) => m.name === member);
          if (!found) return toolError(`unknown member "${member.slice(0, 64)}"; members: ${members.map((m) => m.name).join(', ')}`);
          return toolResult(line(found), { member: found });
        },
      }),
      agents: tool({
        description: "fleetbot's agents and whether each is alive",
        async run() {
          const agents = await listAgents(hub);
          const text = agents.map((a) => `${a.name} on ${a.host}:${a.pid}: ${a.alive ? 'alive' : 'silent'}, ${a.jobsDone} jobs done`);
          return toolResult(text.join('\n') || 'no agent has reported', { agents });
        },
      }),
    };
  },
});
