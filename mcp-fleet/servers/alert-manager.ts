import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { formatDuration } from '../../config/duration.js';
import { RedisHub } from '../../redis/hub.js';
import { SilenceStore } from '../../state/silences.js';
import { MemberStatusSchema } from '../status.js';
import { guarded, toolResult, type ServerDefinition } from './index.js';
import { z } from 'zod';

/**
 * The `alert-manager` MCP server: what is alerting now (members not healthy in the health agent's last round) and
 * which alerts are silenced, until when and by whom. Read-only: silencing is a command, confirmed by a person.
 * Side effects: reads Redis.
 */

const SnapshotSchema = z.object({ members: z.array(MemberStatusSchema), at: z.number() });

export default {
  name: 'alert-manager',
  description: 'Firing alerts and silences',
  async open(config) {
    if (!config.redis.url) throw new Error('the alert-manager server needs REDIS_URL');
    const hub = new RedisHub(config.redis.url, config.redis.prefix);
    const silences = new SilenceStore(hub);
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-alert-manager', version: '0.1.0' });
        server.registerTool('alerts', { description: 'Members alerting now (not healthy), each marked silenced or not', annotations: { readOnlyHint: true } }, () =>
          guarded(async () => {
            const raw = await hub.client.get(hub.key('fleet-status'));
            if (!raw) throw new Error('no fleet status yet: is the health agent running?');
            const { members } = SnapshotSchema.parse(JSON.parse(raw));
            const silenced = new Set((await silences.list()).map((s) => s.member));
            const firing = members.filter((m) => m.health !== 'healthy').map((m) => ({ member: m.name, health: m.health, reason: m.reason, silenced: silenced.has(m.name) }));
            const text = firing.map((f) => `${f.member}: ${f.health}${f.reason ? ` (${f.reason})` : ''}${f.silenced ? ', silenced' : ''}`);
            return toolResult(text.join('\n') || 'no alert is firing', { firing });
          }),
        );
        server.registerTool('silences', { description: 'Active silences: member, until when, by whom', annotations: { readOnlyHint: true } }, () =>
          guarded(async () => {
            const list = await silences.list();
            const text = list.map((s) => `${s.member}: silenced by ${s.by} for ${formatDuration(s.until - Date.now())} more`);
            return toolResult(text.join('\n') || 'no silence is active', { silences: list });
          }),
        );
        return server;
      },
      close: () => hub.close(),
    };
  },
} satisfies ServerDefinition;
