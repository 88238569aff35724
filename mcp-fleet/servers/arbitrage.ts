import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defiRuntime } from '../../agents/defi-runtime.js';
import { describeOpportunity } from '../../defi/describe.js';
import { guarded, readOnly, toolResult, type ServerDefinition } from './index.js';

/** The `arbitrage` MCP server: a scan now, and one cycle quoted again. Simulations only (eth_call). Side effects: JSON-RPC reads. */

export default {
  name: 'arbitrage',
  description: 'Cross-DEX arbitrage: simulated opportunities after flash-loan fee and gas',
  async open(config, log) {
    const defi = defiRuntime(config.defi, log);
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-arbitrage', version: '0.1.0' });
        server.registerTool(
          'scan',
          { description: 'Scan every watched pool now; the opportunities a simulation confirmed, best first', annotations: readOnly },
          () => guarded(async () => {
            const scan = await (await defi.engine()).scan();
            const head = `block ${scan.block}: ${scan.opportunities.length} opportunities (${scan.pools} pools, ${scan.cycles} cycles, ${scan.timings.totalMs.toFixed(1)} ms)`;
            return toolResult([head, ...scan.opportunities.map(describeOpportunity)].join('\n'), { block: scan.block, opportunities: scan.opportunities });
          }),
        );
        server.registerTool(
          'quote_opportunity',
          {
            description: 'One opportunity quoted again at the latest block and simulated, with its risk check',
            inputSchema: { id: z.string().min(1).max(80).describe('Opportunity id from scan') },
            annotations: readOnly,
          },
          ({ id }) => guarded(async () => {
            const quoted = await (await defi.engine()).requote(id);
            if (!quoted.ok) throw new Error(quoted.reason);
            const risk = quoted.opportunity.risk.ok ? 'passes the risk check' : `fails the risk check: ${quoted.opportunity.risk.reasons.join('; ')}`;
            return toolResult(`${describeOpportunity(quoted.opportunity)} — ${risk}`, { opportunity: quoted.opportunity });
          }),
        );
        return server;
      },
      close: () => defi.close(),
    };
  },
} satisfies ServerDefinition;
