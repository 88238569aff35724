import { z } from 'zod';
import type { Member } from '../config/manifest.js';
import { OpsError, type Command, type FleetDirectory } from './index.js';

/**
 * One MCP tool on one member, on every member with a tag (`tag:defi`) or on `all`, one line per member. The tool
 * `status` means each member's own health tool, or — where it has none — its last MCP ping, so the seeds'
 * `!execute all status` works on any fleet.
 */

const args = z.object({
  target: z.string().min(1).max(100).describe('A member, tag:<tag> for every member with that tag, or all'),
  tool: z.string().min(1).max(128).describe('The tool, as /servers lists it (status: each member\'s health tool or ping)'),
  args: z.string().max(4000).default('{}').describe('The tool arguments as a JSON object, e.g. {"address":"0x…"}'),
});

/** The members a target names, or an OpsError that says what a target can be. */
export function targetMembers(fleet: FleetDirectory, target: string): Member[] {
  const mcp = fleet.members.filter((m) => m.kind === 'mcp');
  if (target === 'all') return mcp;
  if (target.startsWith('tag:')) {
    const tag = target.slice(4);
    const tagged = mcp.filter((m) => m.tags.includes(tag));
    if (tagged.length === 0) {
      const tags = [...new Set(mcp.flatMap((m) => m.tags))].sort();
      throw new OpsError('unknown-tag', `no member has the tag \`${tag}\` — tags: ${tags.join(', ') || 'none'}`);
    }
    return tagged;
  }
  return [fleet.member(target)];
}

/** The tool a member answers for `status`: its health tool, or none (its ping is used). */
const statusTool = (m: Member) => m.health.tool;

export default {
  name: 'execute',
  description: 'Run one MCP tool on a member, on tag:<tag> or on all; one line per member (status = health or ping)',
  args,
  // For a tool the manifest does not vouch for; the dispatcher asks the fleet's trust for every tool this runs.
  permission: 'operate',
  tools: ({ target, tool }, fleet) =>
    targetMembers(fleet, target).flatMap((m) => {
      const name = tool === 'status' ? statusTool(m) : tool;
      // A ping reads nothing and changes nothing.
      return name ? [{ server: m.name, tool: name }] : [];
    }),
  async run(ctx, { target, tool, args: json }) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new OpsError('bad-argument', 'args must be a JSON object, e.g. {"queue":"ops","id":"42"}');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new OpsError('bad-argument', 'args must be a JSON object');
    const members = targetMembers(ctx.fleet, target);
    const toolArgs = parsed as Record<string, unknown>;
    if (tool !== 'status') {
      // Only members that have the tool are asked; naming the others saves a round of guessing.
      const { servers } = await ctx.ops.request('servers', {}, ctx.timeoutMs);
      const having = new Set(servers.filter((s) => s.tools.some((t) => t.name === tool)).map((s) => s.name));
      const asked = members.filter((m) => having.has(m.name));
      if (asked.length === 0) {
        const anywhere = servers.filter((s) => s.tools.some((t) => t.name === tool)).map((s) => s.name);
        throw new OpsError('unknown-tool', `no member of ${target} has a tool \`${tool}\`${anywhere.length ? ` — members that have it: ${anywhere.join(', ')}` : ''}`);
      }
      members.splice(0, members.length, ...asked);
    }
    const status = tool === 'status' && members.some((m) => !statusTool(m)) ? await ctx.ops.request('status', {}, ctx.timeoutMs) : undefined;
    const outcomes = await Promise.all(
      members.map(async (m) => {
        const name = tool === 'status' ? statusTool(m) : tool;
        if (!name) {
          const s = status!.members.find((x) => x.name === m.name);
          const ok = s?.health === 'healthy';
          return { member: m.name, ok, text: ok ? `ping ${s?.pingMs ?? '?'} ms` : `${s?.health ?? 'unknown'}${s?.reason ? `: ${s.reason}` : ''}` };
        }
        try {
          const result = await ctx.ops.request('call', { server: m.name, tool: name, args: toolArgs }, ctx.timeoutMs);
          return { member: m.name, ok: !result.isError, text: result.text };
        } catch (error) {
          return { member: m.name, ok: false, text: (error as Error).message };
        }
      }),
    );
    const failed = outcomes.filter((o) => !o.ok).length;
    const line = (o: (typeof outcomes)[number]) => o.text.split('\n')[0]!.slice(0, 200) || '(no output)';
    if (outcomes.length === 1) {
      const [o] = outcomes as [(typeof outcomes)[number]];
      const title = `${o.member}.${tool}`;
      return o.ok
        ? { tone: 'ok', title, code: { text: o.text || '(no output)', filename: `${o.member}-${tool}.txt` } }
        : { tone: 'error', title: `${title} failed: ${line(o)}`, code: o.text.includes('\n') ? { text: o.text, filename: `${o.member}-${tool}.txt` } : undefined };
    }
    return {
      tone: failed === 0 ? 'ok' : failed === outcomes.length ? 'error' : 'warn',
      title: `${tool} on ${target}: ${outcomes.length - failed} of ${outcomes.length} ok`,
      table: { columns: ['member', 'outcome'], rows: outcomes.map((o) => ({ cells: [o.member, `${o.ok ? 'ok' : 'failed'}: ${line(o)}`], tone: o.ok ? 'ok' : 'error' })) },
    };
  },
} satisfies Command<typeof args>;
