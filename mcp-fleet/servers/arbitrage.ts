import { z } from 'zod';
import { describeOpportunity } from '../../defi/describe.js';
import { defiServer } from './defi-server.js';
import { tool, toolResult } from './server.js';

/** The `arbitrage` MCP server: a scan now, and one cycle quoted again. Simulations only (eth_call). Side effects: JSON-RPC reads. */

export default defiServer({
  name: 'arbitrage',
  description: 'Cross-DEX arbitrage: simulated opportunities after flash-loan fee and gas',
  tools: (engine) => ({
    scan: tool({
      description: 'Scan every watched pool now; the opportunities a simulation confirmed, best first',
      async run() {
        const scan = await (await engine()).scan();
        const head = `block ${scan.block}: ${scan.opportunities.length} opportunities (${scan.pools} pools, ${scan.cycles} cycles, ${scan.timings.totalMs.toFixed(1)} ms)`;
        return toolResult([head, ...scan.opportunities.map(describeOpportunity)].join('\n'), { block: scan.block, opportunities: scan.opportunities });
      },
    }),
    quote_opportunity: tool({
      description: 'One opportunity quoted again at the latest block and simulated, with its risk check',
      input: { id: z.string().min(1).max(80).describe('Opportunity id from scan') },
      async run({ id }) {
        const quoted = await (await engine()).requote(id);
        if (!quoted.ok) throw new Error(quoted.reason);
        const risk = quoted.opportunity.risk.ok ? 'passes the risk check' : `fails the risk check: ${quoted.opportunity.risk.reasons.join('; ')}`;
        return toolResult(`${describeOpportunity(quoted.opportunity)} — ${risk}`, { opportunity: quoted.opportunity });
      },
    }),
  }),
});
