import { z } from 'zod';
import { defiServer } from './defi-server.js';
import { tool, toolResult } from './server.js';

/** The `risk-manager` MCP server: the configured limits, and an opportunity checked against them now. Side effects: JSON-RPC reads. */

export default defiServer({
  name: 'risk-manager',
  description: 'Risk limits and checks for arbitrage execution',
  tools: (engine, config) => ({
    limits: tool({
      description: 'The limits every execution must pass: minimum profit, pool share, gas price, token caps',
      async run() {
        const r = config.risk;
        const caps = Object.entries(r.tokenCaps).map(([s, v]) => `${s} ≤ ${v}`).join(', ') || 'none';
        const text = `minimum net profit ${r.minProfit} (base token), at most ${r.maxPoolSharePercent} % of a pool reserve, gas price ≤ ${r.maxGasPriceGwei} gwei, token caps: ${caps}; execution ${config.executor ? 'on' : 'off'}`;
        return toolResult(text, { ...r, execution: config.executor !== undefined });
      },
    }),
    check: tool({
      description: 'Quote an opportunity again at the latest block and check it against the limits',
      input: { id: z.string().min(1).max(80).describe('Opportunity id from a scan') },
      async run({ id }) {
        const quoted = await (await engine()).requote(id);
        if (!quoted.ok) return toolResult(`${id} would be refused: ${quoted.reason}`, { ok: false, reasons: [quoted.reason] });
        const { risk } = quoted.opportunity;
        return toolResult(risk.ok ? `${id} passes every limit` : `${id} would be refused: ${risk.reasons.join('; ')}`, { ...risk, opportunity: quoted.opportunity });
      },
    }),
  }),
});
