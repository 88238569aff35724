import { z } from 'zod';
import { formatDuration } from '../config/duration.js';
import type { RedisHub } from '../redis/hub.js';
import { hostOfInstance, listHosts, type AgentHostInfo } from '../state/agent-hosts.js';
import { agentPresence } from '../state/heartbeats.js';
import { defineQueue, JobFailedError, JobTimeoutError, QueueClient } from './typed-queue.js';

/**
 * Control of the agents a fleetbot process runs: one `agent-control-<process>` queue per hosting process (its worker
 * is that process's agent host, agents/host.ts), so a request reaches the very process whose agent it names. A
 * request for an agent whose host has stopped beating (state/agent-hosts.ts) is answered at once, never left in a
 * queue nobody reads.
 */

/** Agent names as the registry spells them; anything else is no agent, and is never echoed. */
const AgentNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/);

export function agentControlQueue(hostId: string) {
  return defineQueue({
    // Queue names may not hold `:` (BullMQ's key separator); a process instance does.
    name: `agent-control-${hostId.replace(/[^A-Za-z0-9_-]/g, '-')}`,
    // Answered to a waiting user or healer: a retry later would surprise more than an error now.
    defaults: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
    jobs: {
      restart: {
        payload: z.object({ agent: AgentNameSchema, requestedBy: z.string(), requestedAt: z.number() }),
        result: z.object({
          agent: z.string(),
          durationMs: z.number(),
          /** When the fresh copy started; its first heartbeat was seen before the answer. */
          startedAt: z.number(),
        }),
        // Two restarts of one agent asked for at once run once; both callers get that one result.
        options: (payload: { agent: string }) => ({ deduplication: { id: `restart-${payload.agent}` } }),
      },
    },
  });
}
export type AgentControlSpec = ReturnType<typeof agentControlQueue>;

export interface HostedAgent {
  agent: string;
  host: AgentHostInfo;
}

export interface HungAgent {
  agent: string;
  host: AgentHostInfo;
  lastBeatAt: number;
}

export type AgentRestart =
  | { ok: true; agent: string; restarted: { where: string; durationMs: number; startedAt: number }[] }
  | {
      ok: false;
      agent: string;
      /** unknown: no live process runs it, nor did one recently; unreachable: its process stopped beating; no-answer / failed: its process did not restart it. */
      problem: 'unknown' | 'unreachable' | 'no-answer' | 'failed';
      /** One line for a person; names only what fleetbot itself wrote (never the name as typed). */
      detail: string;
      /** The agents a live fleetbot process runs, which it can restart. */
      restartable: string[];
    };

/** `host:pid` of a hosting process, as /agents shows where an agent runs. */
export const whereOf = (host: Pick<AgentHostInfo, 'host' | 'pid'>) => `${host.host}:${host.pid}`;

export class AgentControl {
  private readonly clients = new Map<string, QueueClient<AgentControlSpec['jobs']>>();

  constructor(private readonly hub: RedisHub) {}

  /**
   * The hosting processes, each `listening` when it beats and its control worker is connected: a process killed a
   * moment ago still looks alive by its last beat, but its connections closed with it. (Where Redis does not list
   * its clients, a beat is taken at its word, and a request's own timeout answers for a process gone.)
   */
  private async hosts(now = Date.now()): Promise<(AgentHostInfo & { listening: boolean })[]> {
    return Promise.all(
      (await listHosts(this.hub, now)).map(async (host) => ({
        ...host,
        listening: host.alive && (await this.client(host.id).queue.getWorkersCount().catch(() => 1)) > 0,
      })),
    );
  }

  /** Every agent a live fleetbot process runs, with that process. */
  async hosted(now = Date.now()): Promise<HostedAgent[]> {
    return (await this.hosts(now)).filter((h) => h.listening).flatMap((host) => host.agents.map((agent) => ({ agent, host })));
  }

  async restartable(): Promise<string[]> {
    return [...new Set((await this.hosted()).map((h) => h.agent))].sort();
  }

  /**
   * Agents whose heartbeat went stale while the process that runs them still beats: hung, not gone with their process.
   * (An agent that stopped cleanly has no entry left: its process is shutting down.)
   */
  async hung(now = Date.now()): Promise<HungAgent[]> {
    const [presence, hosts] = await Promise.all([agentPresence(this.hub, now), listHosts(this.hub, now)]);
    return presence.flatMap((p) => {
      if (p.up || !p.last || !p.lastInstance) return [];
      const host = hosts.find((h) => h.alive && h.id === hostOfInstance(p.lastInstance!) && h.agents.includes(p.name));
      return host ? [{ agent: p.name, host, lastBeatAt: p.lastBeatAt }] : [];
    });
  }

  /**
   * Restarts `agent` in every live process that runs it (or only in `onlyHost`), each waiting for the fresh copy's
   * first heartbeat; within `timeoutMs` per process.
   */
  async restart(agent: string, requestedBy: string, timeoutMs: number, onlyHost?: string): Promise<AgentRestart> {
    const all = await this.hosts();
    const hosted = all.filter((h) => h.listening).flatMap((host) => host.agents.map((name) => ({ agent: name, host })));
    const restartable = [...new Set(hosted.map((h) => h.agent))].sort();
    const fail = (problem: Extract<AgentRestart, { ok: false }>['problem'], detail: string): AgentRestart => ({ ok: false, agent, problem, detail, restartable });
    if (!AgentNameSchema.safeParse(agent).success) return fail('unknown', 'that is not an agent name');
    const hosts = hosted.filter((h) => h.agent === agent && (!onlyHost || h.host.id === onlyHost)).map((h) => h.host);
    if (hosts.length === 0) {
      const seen = (await agentPresence(this.hub)).find((p) => p.name === agent);
      if (!seen?.lastInstance) return fail('unknown', `no fleetbot process runs an agent ${agent}`);
      const last = all.find((h) => h.id === hostOfInstance(seen.lastInstance!));
      const where = last ? whereOf(last) : hostOfInstance(seen.lastInstance);
      const why = last?.alive ? 'which no longer listens' : `silent for ${formatDuration(Date.now() - (last?.beatAt ?? seen.lastBeatAt))}`;
      return fail('unreachable', `agent ${agent} ran in process ${where}, ${why}: fleetbot cannot reach it — start that process again (fleetbot agent ${agent})`);
    }
    const restarted: Extract<AgentRestart, { ok: true }>['restarted'] = [];
    for (const host of hosts) {
      try {
        const result = await this.client(host.id).request('restart', { agent, requestedBy, requestedAt: Date.now() }, timeoutMs);
        restarted.push({ where: whereOf(host), durationMs: result.durationMs, startedAt: result.startedAt });
      } catch (error) {
        if (error instanceof JobTimeoutError) {
          return fail('no-answer', `process ${whereOf(host)} did not ${error.state === 'cancelled' ? 'take' : 'finish'} the restart of ${agent} within ${formatDuration(timeoutMs)}${error.state === 'cancelled' ? ' — it may have just stopped' : ''}`);
        }
        if (error instanceof JobFailedError) return fail('failed', `process ${whereOf(host)} could not restart ${agent}: ${error.message}`);
        throw error;
      }
    }
    return { ok: true, agent, restarted };
  }

  private client(hostId: string): QueueClient<AgentControlSpec['jobs']> {
    let client = this.clients.get(hostId);
    if (!client) this.clients.set(hostId, (client = new QueueClient(agentControlQueue(hostId), this.hub)));
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
