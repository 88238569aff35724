import { z } from 'zod';
import { readJson } from '../redis/json.js';
import type { RedisHub } from '../redis/hub.js';

/**
 * The agents' heartbeats, so `/agents`, the dashboard and the monitoring server can tell which agents are alive from
 * any process — even when the agent that would answer a job is the one that is down. The loop that beats is
 * agents/heartbeat.ts.
 * Side effects: reads and writes the `<prefix>:agents` hash (instance → AgentInfo JSON).
 */

/** How often a running agent beats. */
export const BEAT_MS = 5000;
/** An agent silent for three beats is gone. */
const ALIVE_MS = 3 * BEAT_MS;
/** Entries of agents gone for this long are removed. */
const FORGET_MS = 60 * 60_000;

const AgentInfoSchema = z.object({
  name: z.string().describe('The agent, e.g. healer'),
  instance: z.string().describe('name@process: one entry per running copy'),
  pid: z.number().describe('Its process id on its host'),
  host: z.string().describe('The host (or container) it runs on'),
  startedAt: z.number().describe('When it started (ms since the epoch)'),
  beatAt: z.number().describe('Its last beat (ms since the epoch)'),
  jobsDone: z.number().int().describe('Jobs or rounds finished since it started'),
  jobsFailed: z.number().int().describe('Jobs or rounds failed since it started'),
});
export type AgentBeat = z.infer<typeof AgentInfoSchema>;
export type AgentInfo = AgentBeat & { alive: boolean };

const key = (hub: RedisHub) => hub.key('agents');

export async function writeHeartbeat(hub: RedisHub, beat: AgentBeat): Promise<void> {
  await hub.client.hset(key(hub), beat.instance, JSON.stringify(beat));
}

export async function removeHeartbeat(hub: RedisHub, instance: string): Promise<void> {
  await hub.client.hdel(key(hub), instance);
}

/** Every agent that beat within the last hour, alive or silent; older and unreadable entries are removed. */
export async function listAgents(hub: RedisHub, now = Date.now()): Promise<AgentInfo[]> {
  const raw = await hub.client.hgetall(key(hub));
  const agents: AgentInfo[] = [];
  for (const [instance, json] of Object.entries(raw)) {
    const beat = readJson(AgentInfoSchema, json);
    if (!beat || now - beat.beatAt > FORGET_MS) {
      await removeHeartbeat(hub, instance);
      continue;
    }
    agents.push({ ...beat, alive: now - beat.beatAt <= ALIVE_MS });
  }
  return agents.sort((a, b) => a.name.localeCompare(b.name) || a.startedAt - b.startedAt);
}
