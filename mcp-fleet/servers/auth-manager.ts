import { z } from 'zod';
import { AuditLog } from '../../security/audit.js';
import { redisServer, tool, toolResult } from './server.js';

/**
 * The `auth-manager` MCP server: who was allowed or refused what — fleetbot's audit trail (every change and every
 * denial the dispatcher recorded), newest first, by person if asked. Read-only. Side effects: reads Redis.
 */

export default redisServer({
  name: 'auth-manager',
  description: "Who did or was refused what: fleetbot's audit trail",
  tools(hub) {
    // Read-only: this server never records, so it publishes nothing.
    const audit = new AuditLog(hub, async () => {});
    return {
      audit_trail: tool({
        description: 'The newest audit entries: who asked for what, where, and whether it ran or was refused',
        input: {
          count: z.number().int().min(1).max(500).default(20).describe('How many entries to read, newest first'),
          user: z.string().max(100).optional().describe('Only entries by this user name or id'),
        },
        async run({ count, user }) {
          const entries = (await audit.recent(user ? 500 : count)).filter((e) => !user || e.user.name === user || e.user.id === user).slice(0, count);
          const text = entries.map((e) => `${new Date(e.at).toISOString()} ${e.user.name} via ${e.via}: /${e.command} ${JSON.stringify(e.args)} → ${e.outcome}`);
          return toolResult(text.join('\n') || 'no audit entries', { entries });
        },
      }),
    };
  },
});
