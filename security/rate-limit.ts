import type { RedisHub } from '../redis/hub.js';

/**
 * Per-user rate limits, counted in Redis so every bot process counts together: a fixed window of `windowMs`, at
 * most `limit` takes in it. Side effects: Redis keys `<prefix>:rate:<name>:<key>` that expire with their window.
 */

export type Take = { ok: true } | { ok: false; retryInMs: number };

export class RateLimiter {
  constructor(
    private readonly hub: RedisHub,
    private readonly name: string,
    readonly limit: number,
    private readonly windowMs = 60_000,
  ) {}

  async take(key: string): Promise<Take> {
    const redisKey = this.hub.key('rate', this.name, key);
    const [[, count], [, ttl]] = (await this.hub.client.multi().incr(redisKey).pttl(redisKey).exec()) as [[null, number], [null, number]];
    if (ttl < 0) await this.hub.client.pexpire(redisKey, this.windowMs);
    return count <= this.limit ? { ok: true } : { ok: false, retryInMs: ttl < 0 ? this.windowMs : ttl };
  }
}

/** Transports shared by many people; the local console and fleetbot's own agents are not limited. */
const LIMITED = new Set(['discord']);

export function isLimited(via: string): boolean {
  return LIMITED.has(via);
}

/** "slow down: at most 30 commands a minute — try again in 12 s" */
export function slowDown(limiter: RateLimiter, what: string, retryInMs: number): string {
  return `slow down: at most ${limiter.limit} ${what} a minute — try again in ${Math.ceil(retryInMs / 1000)} s`;
}
