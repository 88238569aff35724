import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { defiRuntime } from '../../agents/defi-runtime.js';
import { guarded, readOnly, toolResult, type ServerDefinition } from './index.js';

/** The `risk-manager` MCP server: the configured limits, and an opportunity checked against them now. Side effects: JSON-RPC reads. */

export default {
  name: 'risk-manager',
  description: 'Risk limits and checks for arbitrage execution',
  async open(config, log) {
    const defi = defiRuntime(config.defi, log);
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-risk-manager', version: '0.1.0' });
        server.registerTool(
          'limits',
          { description: 'The limits every execution must pass: minimum profit, pool share, gas price, token caps', annotations: { readOnlyHint: true } },
          () => guarded(async () => {
            const r = config.defi.risk;
            const caps = Object.entries(r.tokenCaps).map(([s, v]) => `${s} ≤ ${v}`).join(', ') || 'none';
            const text = `minimum net profit ${r.minProfit} (base token), at most ${r.maxPoolSharePercent} % of a pool reserve, gas price ≤ ${r.maxGasPriceGwei} gwei, token caps: ${caps}; execution ${config.defi.executor ? 'on' : 'off'}`;
            return toolResult(text, { ...r, execution: config.defi.executor !== undefined });
          }),
        );
        server.registerTool(
          'check',
          {
            description: 'Quote an opportunity again at the latest block and check it against the limits',
            inputSchema: { id: z.string().min(1).max(80).describe('Opportunity id from a scan') },
            annotations: readOnly,
          },
          ({ id }) => guarded(async () => {
            const quoted = await (await defi.engine()).requote(id);
            if (!quoted.ok) return toolResult(`${id} would be refused: ${quoted.reason}`, { ok: false, reasons: [quoted.reason] });
            const { risk } = quoted.opportunity;
            return toolResult(risk.ok ? `${id} passes every limit` : `${id} would be refused: ${risk.reasons.join('; ')}`, { ...risk, opportunity: quoted.opportunity });
          }),
        );
        return server;
      },
      close: () => defi.close(),
    };
  },
} satisfies ServerDefinition;
