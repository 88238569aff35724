import { z } from 'zod';
import type { Member } from '../../config/manifest.js';
import type { RedisHub } from '../../redis/hub.js';
import type { Alert } from '../../queues/notify.js';

/**
 * The alert state machine, with Alertmanager's rules. Producers say what is true on every check (firing again and
 * again while it lasts, resolved once when it clears); the book decides what deserves a message: a new alert, a
 * reminder after the repeat interval, and a resolved notice for what was announced. It mutes alerts of silenced
 * members (until the silence expires) and inhibits alerts of members whose dependency is already alerting.
 * Side effects: Redis hashes `<prefix>:alert-state` and `<prefix>:silences`.
 */

const AlertStateSchema = z.object({
  member: z.string().optional(),
  since: z.number(),
  count: z.number().int(),
  lastPostedAt: z.number(),
  /** Silenced or inhibited when it fired: its resolution is not announced either. */
  muted: z.boolean(),
});
type AlertState = z.infer<typeof AlertStateSchema>;

export const SilenceSchema = z.object({ member: z.string(), until: z.number(), by: z.string(), createdAt: z.number() });
export type Silence = z.infer<typeof SilenceSchema>;

export type AlertDecision =
  | { post: true; why: 'new' | 'repeat' | 'resolved'; since: number; count: number }
  | { post: false; why: 'duplicate' | 'silenced' | 'inhibited' | 'not-firing' };

/** What commands may do with silences. */
export interface Silences {
  silence(member: string, durationMs: number, by: string): Promise<Silence>;
  unsilence(member: string): Promise<boolean>;
  list(): Promise<Silence[]>;
}

export class AlertBook implements Silences {
  private readonly dependencies: Map<string, string[]>;

  constructor(
    private readonly hub: RedisHub,
    members: readonly Member[],
    private readonly repeatIntervalMs: number,
  ) {
    this.dependencies = new Map(members.map((m) => [m.name, m.depends_on]));
  }

  private get stateKey() {
    return this.hub.key('alert-state');
  }

  private get silenceKey() {
    return this.hub.key('silences');
  }

  async accept(alert: Alert, now = Date.now()): Promise<AlertDecision> {
    const redis = this.hub.client;
    const raw = await redis.hget(this.stateKey, alert.key);
    const state = raw ? AlertStateSchema.safeParse(JSON.parse(raw)).data : undefined;
    if (alert.status === 'resolved') {
      if (!state) return { post: false, why: 'not-firing' };
      await redis.hdel(this.stateKey, alert.key);
      return state.muted ? { post: false, why: 'silenced' } : { post: true, why: 'resolved', since: state.since, count: state.count };
    }
    const mutedBy = await this.mutedBy(alert.member, now);
    const save = (next: AlertState) => redis.hset(this.stateKey, alert.key, JSON.stringify(next));
    if (mutedBy) {
      await save({ member: alert.member, since: state?.since ?? alert.at, count: (state?.count ?? 0) + 1, lastPostedAt: state?.lastPostedAt ?? 0, muted: true });
      return { post: false, why: mutedBy };
    }
    if (!state || state.muted) {
      // New — or muted until now: a silence ended while it still fires, so it is announced after all.
      const since = state?.since ?? alert.at;
      const count = (state?.count ?? 0) + 1;
      await save({ member: alert.member, since, count, lastPostedAt: now, muted: false });
      return { post: true, why: 'new', since, count };
    }
    const repeat = now - state.lastPostedAt >= this.repeatIntervalMs;
    await save({ ...state, count: state.count + 1, lastPostedAt: repeat ? now : state.lastPostedAt });
    return repeat ? { post: true, why: 'repeat', since: state.since, count: state.count + 1 } : { post: false, why: 'duplicate' };
  }

  /** How many times each alert has fired so far (undefined once resolved). */
  async counts(keys: string[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return [];
    const raw = await this.hub.client.hmget(this.stateKey, ...keys);
    return raw.map((r) => (r ? AlertStateSchema.safeParse(JSON.parse(r)).data?.count : undefined));
  }

  private async mutedBy(member: string | undefined, now: number): Promise<'silenced' | 'inhibited' | undefined> {
    if (!member) return undefined;
    const silence = await this.hub.client.hget(this.silenceKey, member);
    if (silence && SilenceSchema.parse(JSON.parse(silence)).until > now) return 'silenced';
    const dependencies = this.dependencies.get(member) ?? [];
    if (dependencies.length === 0) return undefined;
    const states = Object.values(await this.hub.client.hgetall(this.stateKey)).map((r) => AlertStateSchema.safeParse(JSON.parse(r)).data);
    return states.some((s) => s?.member && dependencies.includes(s.member) && !s.muted) ? 'inhibited' : undefined;
  }

  async silence(member: string, durationMs: number, by: string): Promise<Silence> {
    const now = Date.now();
    const silence = { member, until: now + durationMs, by, createdAt: now };
    await this.hub.client.hset(this.silenceKey, member, JSON.stringify(silence));
    return silence;
  }

  async unsilence(member: string): Promise<boolean> {
    return (await this.hub.client.hdel(this.silenceKey, member)) === 1;
  }

  /** Active silences, soonest to end first; expired ones are removed. */
  async list(): Promise<Silence[]> {
    const now = Date.now();
    const active: Silence[] = [];
    for (const [member, raw] of Object.entries(await this.hub.client.hgetall(this.silenceKey))) {
      const silence = SilenceSchema.safeParse(JSON.parse(raw)).data;
      if (silence && silence.until > now) active.push(silence);
      else await this.hub.client.hdel(this.silenceKey, member);
    }
    return active.sort((a, b) => a.until - b.until);
  }
}
