import { readFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { parseManifest } from '../../config/index.js';
import { startOrder, type Member } from '../../config/manifest.js';
import { guarded, toolError, toolResult, type ServerDefinition } from './index.js';

/**
 * The `coordinator` MCP server: how the fleet's members depend on one another (fleet.yaml's depends_on) — the start
 * order, what a member needs, and what goes wrong when it goes down. Side effects: reads FLEET_FILE once.
 */

/** Every member that needs `name`, directly or through others. */
function dependents(members: Member[], name: string): string[] {
  const found = new Set<string>();
  const visit = (target: string) => {
    for (const m of members) if (m.depends_on.includes(target) && !found.has(m.name)) (found.add(m.name), visit(m.name));
  };
  visit(name);
  return [...found];
}

export default {
  name: 'coordinator',
  description: 'The fleet: start order and who depends on whom',
  async open(config) {
    const problems: string[] = [];
    const manifest = parseManifest(readFileSync(config.fleetFile, 'utf8'), config.fleetFile, problems);
    if (!manifest) throw new Error(`${config.fleetFile}: ${problems.join('; ')}`);
    const { members } = manifest;
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-coordinator', version: '0.1.0' });
        server.registerTool('start_order', { description: 'Every member in the order the fleet starts them', annotations: { readOnlyHint: true } }, () =>
          guarded(async () => {
            const order = startOrder(members).map((m) => m.name);
            return toolResult(order.join(' → '), { order });
          }),
        );
        server.registerTool(
          'impact',
          {
            description: 'What a member needs, and every member that fails with it when it goes down',
            inputSchema: { member: z.string().max(64).describe('Fleet member name, e.g. price-feed') },
            annotations: { readOnlyHint: true },
          },
          ({ member }) => guarded(async () => {
            const found = members.find((m) => m.name === member);
            if (!found) return toolError(`unknown member "${member}"; members: ${members.map((m) => m.name).join(', ')}`);
            const hit = dependents(members, member);
            const text = `${member} needs ${found.depends_on.join(', ') || 'nothing'}; if it goes down, ${hit.join(', ') || 'no other member'} ${hit.length === 1 ? 'is' : 'are'} affected`;
            return toolResult(text, { member, needs: found.depends_on, affected: hit });
          }),
        );
        return server;
      },
      close: async () => {},
    };
  },
} satisfies ServerDefinition;
