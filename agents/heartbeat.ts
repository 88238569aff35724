import { hostname } from 'node:os';
import { z } from 'zod';
import type { RedisHub } from '../redis/hub.js';
import { PROCESS_INSTANCE } from '../telemetry/instance.js';

/**
 * Each running agent writes a heartbeat to Redis, so `/agents` can tell which are alive from any process — even when
 * the agent that would answer a job is the one that is down.
 * Side effects: writes the `<prefix>:agents` hash every few seconds.
 */

const BEAT_MS = 5000;
/** An agent silent for three beats is gone. */
const ALIVE_MS = 3 * BEAT_MS;
/** Entries of agents gone for this long are removed. */
const FORGET_MS = 60 * 60_000;

export const AgentInfoSchema = z.object({
  name: z.string(),
  instance: z.string(),
  pid: z.number(),
  host: z.string(),
  startedAt: z.number(),
  beatAt: z.number(),
  jobsDone: z.number().int(),
  jobsFailed: z.number().int(),
});
export type AgentInfo = z.infer<typeof AgentInfoSchema> & { alive: boolean };

export interface Heartbeat {
  /** Counts one finished job. */
  count(outcome: 'done' | 'failed'): void;
  stop(): Promise<void>;
}

export function startHeartbeat(hub: RedisHub, name: string): Heartbeat {
  const instance = `${name}@${PROCESS_INSTANCE}`;
  const info = { name, instance, pid: process.pid, host: hostname(), startedAt: Date.now(), beatAt: 0, jobsDone: 0, jobsFailed: 0 };
  const key = hub.key('agents');
  const beat = () => {
    info.beatAt = Date.now();
    return hub.client.hset(key, instance, JSON.stringify(info)).catch(() => {
      // Redis is away; the next beat tries again and /agents shows the gap meanwhile.
    });
  };
  void beat();
  const timer = setInterval(beat, BEAT_MS);
  timer.unref();
  return {
    count(outcome) {
      if (outcome === 'done') info.jobsDone++;
      else info.jobsFailed++;
    },
    async stop() {
      clearInterval(timer);
      await hub.client.hdel(key, instance).catch(() => {});
    },
  };
}

export async function listAgents(hub: RedisHub, now = Date.now()): Promise<AgentInfo[]> {
  const key = hub.key('agents');
  const raw = await hub.client.hgetall(key);
  const agents: AgentInfo[] = [];
  for (const [instance, json] of Object.entries(raw)) {
    const parsed = AgentInfoSchema.safeParse(JSON.parse(json));
    if (!parsed.success || now - parsed.data.beatAt > FORGET_MS) {
      await hub.client.hdel(key, instance);
      continue;
    }
    agents.push({ ...parsed.data, alive: now - parsed.data.beatAt <= ALIVE_MS });
  }
  return agents.sort((a, b) => a.name.localeCompare(b.name) || a.startedAt - b.startedAt);
}
