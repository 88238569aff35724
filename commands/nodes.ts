import { z } from 'zod';
import { OpsError, type Command, type Tone } from './index.js';

const args = z.object({
  action: z.enum(['list', 'drain', 'activate']).default('list').describe('list the nodes; drain a node (its tasks move away) or make it active again'),
  node: z.string().min(1).max(100).optional().describe('The node to drain or activate: its id, host name or address'),
});

const AVAILABILITY = { drain: 'drain', activate: 'active' } as const;

export default {
  name: 'nodes',
  description: 'Swarm nodes: state, availability, role and tasks; drain or activate one (admin)',
  args,
  permission: 'admin',
  readOnly: ({ action }) => action === 'list',
  async run(ctx, { action, node }) {
    if (action !== 'list') {
      if (!node) throw new OpsError('bad-argument', `name a node — usage: /nodes ${action} <node>`);
      const result = await ctx.ops.request('availability', { node, availability: AVAILABILITY[action], requestedBy: ctx.caller.name }, ctx.timeoutMs);
      const { hostname, id, availability } = result.node;
      return {
        tone: availability === 'active' ? 'ok' : 'warn',
        title: `node ${hostname} (${id.slice(0, 12)}) is ${availability}${availability === 'drain' ? ': its tasks move to other nodes' : ''}`,
      };
    }
    const { nodes } = await ctx.ops.request('nodes', {}, ctx.timeoutMs);
    const down = nodes.filter((n) => n.state !== 'ready').length;
    const tone = (n: (typeof nodes)[number]): Tone => (n.state !== 'ready' ? 'error' : n.availability !== 'active' ? 'warn' : 'ok');
    return {
      tone: down ? 'error' : nodes.some((n) => n.availability !== 'active') ? 'warn' : 'ok',
      title: `${nodes.length} node${nodes.length === 1 ? '' : 's'} — ${nodes.length - down} ready${down ? `, ${down} not ready` : ''}`,
      table: {
        columns: ['node', 'id', 'address', 'role', 'state', 'availability', 'tasks'],
        rows: nodes.map((n) => ({
          tone: tone(n),
          cells: [n.hostname, n.id.slice(0, 12), n.address, n.leader ? 'manager (leader)' : n.role, n.state, n.availability, String(n.tasks)],
        })),
      },
    };
  },
} satisfies Command<typeof args>;
