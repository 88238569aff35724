import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseManifest } from '../../config/index.js';
import { startOrder, type Member } from '../../config/manifest.js';
import { defineServer, tool, toolError, toolResult } from './server.js';

/**
 * The `coordinator` MCP server: how the fleet's members depend on one another (fleet.yaml's depends_on) — the start
 * order, what a member needs, and what goes wrong when it goes down. Side effects: reads FLEET_FILE once.
 */

/** Every member that needs `name`, directly or through others. */
function dependents(members: Member[], name: string): string[] {
  const found = new Set<string>();
  const visit = (target: string) => {
    for (const m of members) {
      if (!m.depends_on.includes(target) || found.has(m.name)) continue;
      found.add(m.name);
      visit(m.name);
    }
  };
  visit(name);
  return [...found];
}

export default defineServer({
  name: 'coordinator',
  description: 'The fleet: start order and who depends on whom',
  open(config) {
    const problems: string[] = [];
    const manifest = parseManifest(readFileSync(config.fleetFile, 'utf8'), config.fleetFile, problems);
    if (!manifest) throw new Error(`${config.fleetFile}: ${problems.join('; ')}`);
    return manifest.members;
  },
  close: async () => {},
  tools(members) {
    return {
      start_order: tool({
        description: 'Every member in the order the fleet starts them',
        async run() {
          const order = startOrder(members).map((m) => m.name);
          return toolResult(order.join(' → '), { order });
        },
      }),
      impact: tool({
        description: 'What a member needs, and every member that fails with it when it goes down',
        input: { member: z.string().max(64).describe('Fleet member name, e.g. price-feed') },
        async run({ member }) {
          const found = members.find((m) => m.name === member);
          if (!found) return toolError(`unknown member "${member}"; members: ${members.map((m) => m.name).join(', ')}`);
          const hit = dependents(members, member);
          const text = `${member} needs ${found.depends_on.join(', ') || 'nothing'}; if it goes down, ${hit.join(', ') || 'no other member'} ${hit.length === 1 ? 'is' : 'are'} affected`;
          return toolResult(text, { member, needs: found.depends_on, affected: hit });
        },
      }),
    };
  },
});
