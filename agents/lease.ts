import { hostname } from 'node:os';
import Redlock, { type Lock } from 'redlock';
import type { RedisHub } from '../redis/hub.js';

/**
 * A lease for what must run once however many replicas of an agent run (the scanner's block loop): the holder
 * renews it while it works; a standby replica tries to take it and does when the holder has not renewed it for
 * `ttlMs` (it died) — within seconds, not never. Redlock (a maintained implementation of Redis's lock algorithm) on
 * the fleet's one Redis.
 * Side effects: the Redis keys `<prefix>:lease:<name>` (the lock) and `<prefix>:lease:<name>:holder` (who holds it).
 */

/** Who holds the lease now (`host:pid`), if anyone. */
export function leaseHolder(hub: RedisHub, name: string): Promise<string | null> {
  return hub.client.get(hub.key('lease', name, 'holder'));
}

export class Lease {
  private readonly redlock: Redlock;
  private lock?: Lock;

  constructor(
    private readonly hub: RedisHub,
    private readonly name: string,
    private readonly ttlMs = 5000,
    private readonly holder = `${hostname()}:${process.pid}`,
  ) {
    // One attempt per call: the caller asks again on its own beat, and must not block its loop meanwhile.
    this.redlock = new Redlock([hub.client as never], { retryCount: 0 });
    this.redlock.on('error', () => {});
    this.key = hub.key('lease', name);
  }

  private readonly key: string;

  /** Holds the lease after this call if it can: takes it when free, renews it when held. */
  async hold(): Promise<boolean> {
    try {
      if (this.lock && this.lock.expiration - Date.now() > this.ttlMs / 2) return true;
      this.lock = this.lock && this.lock.expiration > Date.now() ? await this.lock.extend(this.ttlMs) : await this.redlock.acquire([this.key], this.ttlMs);
      // Said beside the lock, for people: which replica is the active one.
      await this.hub.client.set(this.hub.key('lease', this.name, 'holder'), this.holder, 'PX', this.ttlMs);
      return true;
    } catch {
      this.lock = undefined;
      return false;
    }
  }

  get held(): boolean {
    return this.lock !== undefined && this.lock.expiration > Date.now();
  }

  /** Lets go at once, so that a standby takes over without waiting for the lease to run out. */
  async release(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    if (!lock) return;
    await lock.release().catch(() => {});
    await this.hub.client.del(this.hub.key('lease', this.name, 'holder')).catch(() => {});
  }

  toString(): string {
    return `lease ${this.name}`;
  }
}
