import { z } from 'zod';
import { MemberArg, type Command } from './index.js';

const args = z.object({
  server: MemberArg.optional().describe('Show the tools of this MCP server with their descriptions'),
});

export default {
  name: 'servers',
  description: 'Every MCP server in the fleet and the tools it offers',
  args,
  permission: 'read',
  async run(ctx, { server }) {
    if (server) ctx.fleet.member(server);
    const { servers } = await ctx.ops.request('servers', {}, ctx.timeoutMs);
    const shown = server ? servers.filter((s) => s.name === server) : servers;
    if (server && shown.length === 0) return { tone: 'warn', title: `${server} is not an MCP server (it is an agent)` };
    const failing = shown.filter((s) => s.error).length;
    if (server) {
      const [s] = shown;
      return {
        tone: s!.error ? 'error' : 'info',
        title: s!.error ? `${s!.name}: ${s!.error}` : `${s!.name} (${s!.transport}) offers ${s!.tools.length} tools`,
        table: {
          columns: ['tool', 'changes things', 'description'],
          rows: s!.tools.map((t) => ({ cells: [t.name, t.readOnly ? 'no' : 'yes', t.description ?? ''] })),
        },
      };
    }
    return {
      tone: failing ? 'warn' : 'info',
      title: `${shown.length} MCP servers, ${shown.reduce((n, s) => n + s.tools.length, 0)} tools${failing ? `, ${failing} not answering` : ''}`,
      table: {
        columns: ['server', 'transport', 'tools'],
        rows: shown.map((s) => ({
          tone: s.error ? 'error' : undefined,
          cells: [s.name, s.transport, s.error ? `unavailable: ${s.error}` : s.tools.map((t) => t.name).join(', ') || '(none)'],
        })),
      },
    };
  },
} satisfies Command<typeof args>;
