import { hostname } from 'node:os';
import type { RedisHub } from '../redis/hub.js';
import { BEAT_MS, removeHeartbeat, writeHeartbeat, type AgentBeat } from '../state/heartbeats.js';
import { PROCESS_INSTANCE } from '../telemetry/instance.js';

/**
 * The heartbeat loop of one running agent: its beat (state/heartbeats.ts) every few seconds, with the jobs it finished.
 * Side effects: writes this agent's entry of the `<prefix>:agents` hash; removes it on stop.
 */

export interface Heartbeat {
  /** Counts one finished job or round of work. */
  count(outcome: 'done' | 'failed'): void;
  /** Stops beating; the entry is removed unless a fresh copy of the agent (same instance) takes it over. */
  stop(how?: { restarting?: boolean }): Promise<void>;
}

/** The heartbeat instance of agent `name` in this process: a restarted copy beats under the same one. */
export const instanceOf = (name: string) => `${name}@${PROCESS_INSTANCE}`;

export function startHeartbeat(hub: RedisHub, name: string): Heartbeat {
  const instance = instanceOf(name);
  const info: AgentBeat = { name, instance, pid: process.pid, host: hostname(), startedAt: Date.now(), beatAt: 0, jobsDone: 0, jobsFailed: 0 };
  const beat = () => {
    info.beatAt = Date.now();
    return writeHeartbeat(hub, info).catch(() => {
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
    async stop({ restarting = false } = {}) {
      clearInterval(timer);
      if (restarting) return;
      // Unreachable Redis: the entry goes stale and /agents shows it gone after three beats.
      await hub.whileReachable(removeHeartbeat(hub, instance));
    },
  };
}
