import { z } from 'zod';
import type { RedisHub } from '../redis/hub.js';
import { readJson } from '../redis/json.js';

/**
 * What the healer remembers, in Redis so a restarted healer (or `/heal` from any process) sees the same: which members
 * are paused and why, each member's recent incidents (the restart budget), its backoff streak, and its last healing.
 * Side effects: Redis keys under `<prefix>:heal:`.
 */

const PauseSchema = z.object({ by: z.string(), at: z.number(), reason: z.enum(['manual', 'crash-loop']), detail: z.string() });
export type Pause = z.infer<typeof PauseSchema>;

const LastSchema = z.object({ at: z.number(), outcome: z.string(), detail: z.string() });
export type LastHealing = z.infer<typeof LastSchema>;

export interface HealStatus {
  member: string;
  paused?: Pause;
  incidents: number;
  streak: number;
  last?: LastHealing;
}

/** The healer's memory; what commands may do with it is HealerControl (commands/context.ts). */
export class HealState {
  constructor(private readonly hub: RedisHub) {}

  private key(...parts: string[]) {
    return this.hub.key('heal', ...parts);
  }

  async paused(): Promise<Record<string, Pause>> {
    const raw = await this.hub.client.hgetall(this.key('paused'));
    return Object.fromEntries(Object.entries(raw).flatMap(([member, json]) => {
      const pause = readJson(PauseSchema, json);
      return pause ? [[member, pause]] : [];
    }));
  }

  async pauseFor(member: string, pause: Pause): Promise<void> {
    const tx = this.hub.client.multi().hset(this.key('paused'), member, JSON.stringify(pause));
    // A crash-loop pause raises an alert, to be resolved once the member is healthy again.
    if (pause.reason === 'crash-loop') tx.sadd(this.key('crash-loop-alerts'), member);
    await tx.exec();
  }

  crashLoopAlerts(): Promise<string[]> {
    return this.hub.client.smembers(this.key('crash-loop-alerts'));
  }

  async crashLoopResolved(member: string): Promise<void> {
    await this.hub.client.srem(this.key('crash-loop-alerts'), member);
  }

  pause(member: string, by: string): Promise<void> {
    return this.pauseFor(member, { by, at: Date.now(), reason: 'manual', detail: `paused by ${by}` });
  }

  async resume(member: string): Promise<boolean> {
    const [[, removed]] = (await this.hub.client
      .multi()
      .hdel(this.key('paused'), member)
      .del(this.key('incidents', member), this.key('streak', member))
      .exec()) as [[null, number], unknown];
    return removed === 1;
  }

  /** Counts an incident; returns how many fell within the window, this one included. */
  async incident(member: string, windowMs: number, now = Date.now()): Promise<number> {
    const key = this.key('incidents', member);
    const [, , [, count]] = (await this.hub.client
      .multi()
      .zadd(key, now, `${now}-${Math.random().toString(36).slice(2, 8)}`)
      .zremrangebyscore(key, 0, now - windowMs)
      .zcard(key)
      .pexpire(key, windowMs)
      .exec()) as [unknown, unknown, [null, number], unknown];
    return count;
  }

  async incidents(member: string, windowMs: number, now = Date.now()): Promise<number> {
    return this.hub.client.zcount(this.key('incidents', member), now - windowMs, '+inf');
  }

  /** Consecutive restarts without a stable run: the backoff exponent. */
  async streak(member: string): Promise<number> {
    return Number((await this.hub.client.get(this.key('streak', member))) ?? 0);
  }

  async bumpStreak(member: string): Promise<void> {
    await this.hub.client.incr(this.key('streak', member));
  }

  async resetStreak(member: string): Promise<void> {
    await this.hub.client.del(this.key('streak', member));
  }

  async recordLast(member: string, last: LastHealing): Promise<void> {
    await this.hub.client.hset(this.key('last'), member, JSON.stringify(last));
  }

  async status(members: string[], windowMs: (member: string) => number): Promise<HealStatus[]> {
    const [paused, lastRaw] = await Promise.all([this.paused(), this.hub.client.hgetall(this.key('last'))]);
    return Promise.all(
      members.map(async (member) => ({
        member,
        paused: paused[member],
        incidents: await this.incidents(member, windowMs(member)),
        streak: await this.streak(member),
        last: readJson(LastSchema, lastRaw[member]),
      })),
    );
  }
}
