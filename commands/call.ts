import { z } from 'zod';
import { MemberArg, OpsError, type Command } from './index.js';

const args = z.object({
  server: MemberArg.describe('The MCP server (a fleet member)'),
  tool: z.string().min(1).max(128).describe('The tool, as /servers <server> lists it'),
  args: z.string().max(4000).default('{}').describe('The tool arguments as a JSON object, e.g. {"address":"0x…"}'),
});

export default {
  name: 'call',
  description: 'Call one tool of a fleet MCP server (read-only tools the fleet trusts need read; others operate)',
  args,
  // For a tool the manifest does not vouch for; the dispatcher asks the fleet's trust for the tool named.
  permission: 'operate',
  tool: ({ server, tool }) => ({ server, tool }),
  async run(ctx, { server, tool, args: json }) {
    const { name } = ctx.fleet.member(server);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new OpsError('bad-argument', 'args must be a JSON object, e.g. {"queue":"ops","id":"42"}');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new OpsError('bad-argument', 'args must be a JSON object');
    const result = await ctx.ops.request('call', { server: name, tool, args: parsed as Record<string, unknown> }, ctx.timeoutMs);
    const title = `${name}.${tool}`;
    return result.isError
      ? { tone: 'error', title: `${title} failed: ${result.text.split('\n')[0]}`, code: result.text.includes('\n') ? { text: result.text, filename: `${name}-${tool}.txt` } : undefined }
      : { tone: 'ok', title, code: { text: result.text || '(no output)', filename: `${name}-${tool}.txt` } };
  },
} satisfies Command<typeof args>;
