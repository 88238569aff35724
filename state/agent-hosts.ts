import { z } from 'zod';
import type { RedisHub } from '../redis/hub.js';
import { readJson } from '../redis/json.js';
import { ALIVE_MS } from './heartbeats.js';

/**
 * The fleetbot processes that host agents, each beating with the names it runs: a restart request for an agent goes
 * to the process that hosts it (queues/agent-control.ts), and a process silent for three beats is gone — a request
 * for its agents is answered at once instead of waiting on a queue nobody reads. A host beats on its own timer, so
 * an agent gone silent while its host still beats is hung, not dead with its process.
 * Side effects: reads and writes the `<prefix>:agents:hosts` hash (process instance → HostBeat JSON; removed on a
 * clean stop, forgotten an hour after its last beat).
 */

const HostBeatSchema = z.object({
  id: z.string().describe('The process instance (telemetry/instance.ts): host name, pid and a random tag'),
  pid: z.number().int(),
  host: z.string().describe('The host (or container) the process runs on'),
  agents: z.array(z.string()).describe('The agents it runs, by name'),
  beatAt: z.number().describe('Its last beat (ms since the epoch)'),
});
export type HostBeat = z.infer<typeof HostBeatSchema>;
export type AgentHostInfo = HostBeat & { alive: boolean };

/** A host silent this long is no longer listed. */
const FORGET_MS = 60 * 60_000;

const key = (hub: RedisHub) => hub.key('agents', 'hosts');

export async function writeHostBeat(hub: RedisHub, beat: HostBeat): Promise<void> {
  await hub.client.hset(key(hub), beat.id, JSON.stringify(beat));
}

export async function removeHostBeat(hub: RedisHub, id: string): Promise<void> {
  await hub.client.hdel(key(hub), id);
}

/** Every host that beat within the hour, alive or not; older and unreadable entries are removed. */
export async function listHosts(hub: RedisHub, now = Date.now()): Promise<AgentHostInfo[]> {
  const hosts: AgentHostInfo[] = [];
  for (const [id, json] of Object.entries(await hub.client.hgetall(key(hub)))) {
    const beat = readJson(HostBeatSchema, json);
    if (!beat || now - beat.beatAt > FORGET_MS) await removeHostBeat(hub, id);
    else hosts.push({ ...beat, alive: now - beat.beatAt <= ALIVE_MS });
  }
  return hosts;
}

/** The process instance in an agent's heartbeat instance (`name@process`). */
export function hostOfInstance(instance: string): string {
  return instance.slice(instance.indexOf('@') + 1);
}
