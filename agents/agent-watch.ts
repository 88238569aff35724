import { z } from 'zod';
import type { RedisHub } from '../redis/hub.js';
import type { Alert, NotifyClient } from '../queues/notify.js';
import { PROCESS_INSTANCE } from '../telemetry/instance.js';
import type { Logger } from '../telemetry/logger.js';
import { ALIVE_MS, listAgents } from './heartbeat.js';

/**
 * Which agents are up, by name, from their heartbeats — including agents that stopped and no longer beat at all,
 * since an agent that is not there is the one to tell someone about. The health agent runs the watch and raises an
 * `agent down` alert for every other agent (its own absence is Prometheus's to see: `fleetbot_agent_up` on the
 * bot's /metrics, and the rules in deploy/monitoring/rules/).
 * Side effects: reads `<prefix>:agents` and `<prefix>:agents:seen`, forgets names silent for a day; the watch also
 * keeps `<prefix>:agents:down` (the names it alerted about) and adds alerts to the notify queue.
 */

/** A name silent this long is no longer expected back: its alert resolves and it leaves the metrics. */
const FORGET_AFTER_MS = 24 * 3600_000;
/** While an agent stays down its alert fires again this often, so the alert book can remind (its repeat interval). */
const REFIRE_MS = 60_000;

export interface AgentPresence {
  name: string;
  up: boolean;
  /** Latest heartbeat of any instance of this agent (unix ms). */
  lastBeatAt: number;
  /** The instance that wrote it (`name@host:pid:id`). */
  lastInstance?: string;
  /** Where it ran, while its instance entry is there (a clean stop removes it). */
  last?: { host: string; pid: number };
}

const SeenSchema = z.object({ at: z.number(), instance: z.string() });

export async function agentPresence(hub: RedisHub, now = Date.now()): Promise<AgentPresence[]> {
  const seenKey = hub.key('agents', 'seen');
  const [instances, seen] = await Promise.all([listAgents(hub, now), hub.client.hgetall(seenKey)]);
  const byName = new Map<string, AgentPresence>();
  for (const [name, json] of Object.entries(seen)) {
    const parsed = SeenSchema.safeParse(JSON.parse(json));
    if (!parsed.success || !(now - parsed.data.at <= FORGET_AFTER_MS)) await hub.client.hdel(seenKey, name);
    else byName.set(name, { name, up: false, lastBeatAt: parsed.data.at, lastInstance: parsed.data.instance });
  }
  for (const agent of instances) {
    const entry = byName.get(agent.name) ?? { name: agent.name, up: false, lastBeatAt: 0 };
    entry.up ||= agent.alive;
    if (agent.beatAt >= entry.lastBeatAt) {
      entry.lastBeatAt = agent.beatAt;
      entry.lastInstance = agent.instance;
    }
    if (agent.instance === entry.lastInstance) entry.last = { host: agent.host, pid: agent.pid };
    byName.set(agent.name, entry);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

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
      // An agent of this very process stops only when the process does (or it would take the watcher with it):
      // a shutdown is not an outage.
      if (p.name === self || p.lastInstance?.endsWith(`@${PROCESS_INSTANCE}`)) continue;
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
      await notify.add('alert', { key: `agent-${name}-down`, status: 'resolved', severity: 'critical', title: `agent ${name} is no longer watched`, detail: `silent for over ${FORGET_AFTER_MS / 3600_000} h`, at: now });
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
