import { formatDuration } from '../../config/duration.js';
import { readFleetStatus } from '../../state/fleet-status.js';
import { SilenceStore } from '../../state/silences.js';
import { redisServer, tool, toolResult } from './server.js';

/**
 * The `alert-manager` MCP server: what is alerting now (members not healthy in the health agent's last round) and
 * which alerts are silenced, until when and by whom. Read-only: silencing is a command, confirmed by a person.
 * Side effects: reads Redis.
 */

export default redisServer({
  name: 'alert-manager',
  description: 'Firing alerts and silences',
  tools(hub) {
    const silences = new SilenceStore(hub);
    return {
      alerts: tool({
        description: 'Members alerting now (not healthy), each marked silenced or not',
        async run() {
          const status = await readFleetStatus(hub);
          if (!status) throw new Error('no fleet status yet: is the health agent running?');
          const silenced = new Set((await silences.list()).map((s) => s.member));
          const firing = status.members.filter((m) => m.health !== 'healthy').map((m) => ({ member: m.name, health: m.health, reason: m.reason, silenced: silenced.has(m.name) }));
          const text = firing.map((f) => `${f.member}: ${f.health}${f.reason ? ` (${f.reason})` : ''}${f.silenced ? ', silenced' : ''}`);
          return toolResult(text.join('\n') || 'no alert is firing', { firing });
        },
      }),
      silences: tool({
        description: 'Active silences: member, until when, by whom',
        async run() {
          const list = await silences.list();
          const text = list.map((s) => `${s.member}: silenced by ${s.by} for ${formatDuration(s.until - Date.now())} more`);
          return toolResult(text.join('\n') || 'no silence is active', { silences: list });
        },
      }),
    };
  },
});
