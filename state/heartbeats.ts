import { z } from 'zod';
import { readJson } from '../redis/json.js';
import type { RedisHub } from '../redis/hub.js';

/**
 * The agents' heartbeats, so `/agents`, the dashboard and the monitoring server can tell which agents are alive from
 * any process — even when the agent that would answer a job is the one that is down. The loop that beats is
 * agents/heartbeat.ts.
 * Side effects: reads and writes the `<prefix>:agents` hash (instance → AgentInfo JSON, removed when it stops) and
 * `<prefix>:agents:seen` (name → its latest beat, kept after it stops: agents/agent-watch.ts alerts on names gone
 * silent, and /metrics shows them down).
 */

/** How often a running agent beats. */
export const BEAT_MS = 5000;
/** An agent silent for three beats is gone. (bin/health-check.cjs, which imports nothing of fleetbot, applies the same rule.) */
export const ALIVE_MS = 3 * BEAT_MS;
/** A name silent this long is no longer expected back: its alert resolves and it leaves the metrics. */
const FORGET_NAME_MS = 24 * 3600_000;
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
const seenKey = (hub: RedisHub) => hub.key('agents', 'seen');
const SeenSchema = z.object({ at: z.number(), instance: z.string() });

export async function writeHeartbeat(hub: RedisHub, beat: AgentBeat): Promise<void> {
  await hub.client
    .multi()
    .hset(key(hub), beat.instance, JSON.stringify(beat))
    .hset(seenKey(hub), beat.name, JSON.stringify({ at: beat.beatAt, instance: beat.instance }))
    .exec();
}

/** One running copy's latest beat, or undefined when it has none (never beat, stopped, or unreadable). */
export async function readHeartbeat(hub: RedisHub, instance: string): Promise<AgentBeat | undefined> {
  return readJson(AgentInfoSchema, await hub.client.hget(key(hub), instance));
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

/**
 * Each agent by name, up or not — including agents that stopped and no longer beat at all: an agent that is not
 * there is the one to tell someone about. Names silent for a day are forgotten.
 */
export async function agentPresence(hub: RedisHub, now = Date.now()): Promise<AgentPresence[]> {
  const [instances, seen] = await Promise.all([listAgents(hub, now), hub.client.hgetall(seenKey(hub))]);
  const byName = new Map<string, AgentPresence>();
  for (const [name, json] of Object.entries(seen)) {
    const last = readJson(SeenSchema, json);
    if (!last || !(now - last.at <= FORGET_NAME_MS)) await hub.client.hdel(seenKey(hub), name);
    else byName.set(name, { name, up: false, lastBeatAt: last.at, lastInstance: last.instance });
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
