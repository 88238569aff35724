import { z } from 'zod';
import { readJson } from '../redis/json.js';
import type { RedisHub } from '../redis/hub.js';

/**
 * Maintenance windows: while a member is silenced its alerts are not posted. The one owner of the silences in Redis.
 * Side effects: Redis hash `<prefix>:silences` (member → silence).
 */

const SilenceSchema = z.object({ member: z.string(), until: z.number(), by: z.string(), createdAt: z.number() });
export type Silence = z.infer<typeof SilenceSchema>;

export class SilenceStore {
  constructor(private readonly hub: RedisHub) {}

  private get key() {
    return this.hub.key('silences');
  }

  async silence(member: string, durationMs: number, by: string): Promise<Silence> {
    const now = Date.now();
    const silence = { member, until: now + durationMs, by, createdAt: now };
    await this.hub.client.hset(this.key, member, JSON.stringify(silence));
    return silence;
  }

  async unsilence(member: string): Promise<boolean> {
    return (await this.hub.client.hdel(this.key, member)) === 1;
  }

  /** Whether the member is silenced right now. */
  async active(member: string, now = Date.now()): Promise<boolean> {
    const silence = readJson(SilenceSchema, await this.hub.client.hget(this.key, member));
    return silence !== undefined && silence.until > now;
  }

  /** Active silences, soonest to end first; expired ones are removed. */
  async list(): Promise<Silence[]> {
    const now = Date.now();
    const active: Silence[] = [];
    for (const [member, raw] of Object.entries(await this.hub.client.hgetall(this.key))) {
      const silence = readJson(SilenceSchema, raw);
      if (silence && silence.until > now) active.push(silence);
      else await this.hub.client.hdel(this.key, member);
    }
    return active.sort((a, b) => a.until - b.until);
  }
}
