import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RedisHub } from '../../redis/hub.js';
import { AuditLog } from '../../security/audit.js';
import { guarded, toolResult, type ServerDefinition } from './index.js';

/**
 * The `auth-manager` MCP server: who was allowed or refused what — fleetbot's audit trail (every change and every
 * denial the dispatcher recorded), newest first, filtered by person or result. Read-only. Side effects: reads Redis.
 */

export default {
  name: 'auth-manager',
  description: "Who did or was refused what: fleetbot's audit trail",
  async open(config) {
    if (!config.redis.url) throw new Error('the auth-manager server needs REDIS_URL');
    const hub = new RedisHub(config.redis.url, config.redis.prefix);
    // Read-only: this server never records, so nothing is published.
    const audit = new AuditLog(hub, async () => {});
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-auth-manager', version: '0.1.0' });
        server.registerTool(
          'audit_trail',
          {
            description: 'The newest audit entries: who asked for what, where, and whether it ran or was refused',
            inputSchema: {
              count: z.number().int().min(1).max(500).default(20).describe('How many entries to read, newest first'),
              user: z.string().max(100).optional().describe('Only entries by this user name or id'),
            },
            annotations: { readOnlyHint: true },
          },
          ({ count, user }) => guarded(async () => {
            const entries = (await audit.recent(user ? 500 : count)).filter((e) => !user || e.user.name === user || e.user.id === user).slice(0, count);
            const text = entries.map((e) => `${new Date(e.at).toISOString()} ${e.user.name} via ${e.via}: /${e.command} ${JSON.stringify(e.args)} → ${e.outcome}`);
            return toolResult(text.join('\n') || 'no audit entries', { entries });
          }),
        );
        return server;
      },
      close: () => hub.close(),
    };
  },
} satisfies ServerDefinition;
