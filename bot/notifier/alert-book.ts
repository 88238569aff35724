import { z } from 'zod';
import type { Member } from '../../config/manifest.js';
import type { RedisHub } from '../../redis/hub.js';
import type { Alert } from '../../queues/notify.js';
import { readJson } from '../../redis/json.js';
import type { SilenceStore } from '../../state/silences.js';

/**
 * The alert state machine, with Alertmanager's rules. Producers say what is true on every check (firing again and
 * again while it lasts, resolved once when it clears); the book decides what deserves a message: a new alert, a
 * reminder after the repeat interval, and a resolved notice for what was announced. It mutes alerts of silenced
 * members (until the silence expires) and inhibits alerts of members whose dependency is already alerting.
 * Side effects: Redis hash `<prefix>:alert-state` (silences are read from their store).
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

export type AlertDecision =
  | { post: true; why: 'new' | 'repeat' | 'resolved'; since: number; count: number }
  | { post: false; why: 'duplicate' | 'silenced' | 'inhibited' | 'not-firing' };

export class AlertBook {
  private readonly dependencies: Map<string, string[]>;

  constructor(
    private readonly hub: RedisHub,
    private readonly silences: SilenceStore,
    members: readonly Member[],
    private readonly repeatIntervalMs: number,
  ) {
    this.dependencies = new Map(members.map((m) => [m.name, m.depends_on]));
  }

  private get stateKey() {
    return this.hub.key('alert-state');
  }

  async accept(alert: Alert, now = Date.now()): Promise<AlertDecision> {
    const redis = this.hub.client;
    const raw = await redis.hget(this.stateKey, alert.key);
    const state = readJson(AlertStateSchema, raw);
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
    return raw.map((r) => readJson(AlertStateSchema, r)?.count);
  }

  private async mutedBy(member: string | undefined, now: number): Promise<'silenced' | 'inhibited' | undefined> {
    if (!member) return undefined;
    if (await this.silences.active(member, now)) return 'silenced';
    const dependencies = this.dependencies.get(member) ?? [];
    if (dependencies.length === 0) return undefined;
    const states = Object.values(await this.hub.client.hgetall(this.stateKey)).map((r) => readJson(AlertStateSchema, r));
    return states.some((s) => s?.member && dependencies.includes(s.member) && !s.muted) ? 'inhibited' : undefined;
  }
}
