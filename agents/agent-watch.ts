import type { Alert, NotifyClient } from '../queues/notify.js';
import type { RedisHub } from '../redis/hub.js';
import { agentPresence, ALIVE_MS, type AgentPresence } from '../state/heartbeats.js';
import { PROCESS_INSTANCE } from '../telemetry/instance.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * The watch over the agents, run by the health agent: an `agent down` alert for every other agent whose heartbeat
 * (state/heartbeats.ts) is stale or gone, resolved when it is back. Its own absence is Prometheus's to see
 * (`fleetbot_agent_up` on the bot's /metrics, and the rules in deploy/monitoring/rules/).
 * Side effects: reads the heartbeats; keeps `<prefix>:agents:down` (the names it alerted about); adds alerts to the
 * notify queue.
 */

/** While an agent stays down its alert fires again this often, so the alert book can remind (its repeat interval). */
const REFIRE_MS = 60_000;

export interface AgentWatch {
  /** One round now (the watch runs rounds by itself every `everyMs`). */
  round(): Promise<void>;
  stop(): Promise<void>;
}

export function watchAgents({ hub, notify, log, self, everyMs = 1000 }: { hub: RedisHub; notify: NotifyClient; log: Logger; self: string; everyMs?: number }): AgentWatch {
  const downKey = hub.key('agents', 'down');
  const firedAt = new Map<string, number>();
  const alert = (p: AgentPresence, status: Alert['status'], now: number): Alert => {
    const silentFor = Math.round((now - p.lastBeatAt) / 1000);
    const where = p.lastInstance ? ` (last: ${p.lastInstance}${p.last ? `, pid ${p.last.pid} on ${p.last.host}` : ''})` : '';
    return {
      key: `agent-${p.name}-down`,
      status,
      severity: 'critical',
      title: status === 'firing' ? `agent ${p.name} is down` : `agent ${p.name} is back`,
      detail: status === 'firing' ? `no heartbeat for ${silentFor} s, over the ${ALIVE_MS / 1000} s allowed${where}` : undefined,
      at: now,
    };
  };

  const startedAt = Date.now();
  const round = async () => {
    const now = Date.now();
    const presence = await agentPresence(hub, now);
    const known = new Set(presence.map((p) => p.name));
    for (const p of presence) {
      // An agent of this very process that stopped (its entry removed) stopped with the process — a shutdown is not
      // an outage; one whose entry is there but stale hangs beside the watcher, and is alerted like any other.
      if (p.name === self || (p.lastInstance?.endsWith(`@${PROCESS_INSTANCE}`) && !p.last)) continue;
      if (!p.up) {
        // Agents starting beside this watcher (a deploy, a restart) get one heartbeat timeout to show up.
        if (now - startedAt < ALIVE_MS) continue;
        // SADD answers 1 to one watcher only: two health agents do not announce the same agent twice.
        const fresh = (await hub.client.sadd(downKey, p.name)) === 1;
        const last = firedAt.get(p.name);
        if (fresh || (last !== undefined && now - last >= REFIRE_MS)) {
          if (fresh) log.warn('agent down', { agent: p.name, lastBeatAt: p.lastBeatAt });
          firedAt.set(p.name, now);
          await notify.add('alert', alert(p, 'firing', now));
        } else if (last === undefined) {
          // Announced by another watcher (or by this one before a restart): remind from now on.
          firedAt.set(p.name, now);
        }
      } else if ((await hub.client.srem(downKey, p.name)) === 1) {
        firedAt.delete(p.name);
        log.info('agent back', { agent: p.name });
        await notify.add('alert', alert(p, 'resolved', now));
      }
    }
    // Forgotten after a day of silence: not expected back, so its alert ends.
    for (const name of await hub.client.smembers(downKey)) {
      if (known.has(name) || (await hub.client.srem(downKey, name)) === 0) continue;
      firedAt.delete(name);
      await notify.add('alert', { key: `agent-${name}-down`, status: 'resolved', severity: 'critical', title: `agent ${name} is no longer watched`, detail: 'silent for over a day', at: now });
    }
  };

  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    running = round()
      .catch((error: unknown) => log.warn('agent watch round failed', { error }))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, everyMs);
      });
  };
  loop();
  return {
    round,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
