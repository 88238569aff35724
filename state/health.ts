import { z } from 'zod';
import { readJson } from '../redis/json.js';
import type { RedisHub } from '../redis/hub.js';

/**
 * Member health as the health agent last judged it, in Redis so any process can read it and a restarted health
 * agent carries on where the last one was. The probing that produces it lives in mcp-fleet/health.ts.
 * Side effects: reads and writes the `<prefix>:health` hash (member name → Health JSON); publishes the names whose
 * status changed on `<prefix>:health:changes`.
 */

export const HealthStatusSchema = z.enum(['starting', 'healthy', 'unhealthy', 'down']);
export type HealthStatus = z.infer<typeof HealthStatusSchema>;

const HealthSchema = z.object({
  status: HealthStatusSchema,
  /** When the member entered this status. */
  since: z.number(),
  checkedAt: z.number(),
  /** Consecutive failed probes. */
  failures: z.number().int(),
  latencyMs: z.number().optional(),
  reason: z.string().optional(),
  /** For a member that is down: how its process ended, and whether it was stopped on purpose. */
  exit: z
    .object({ code: z.number().nullable(), signal: z.string().nullable(), crashed: z.boolean(), ranMs: z.number().optional(), oomKilled: z.boolean().optional() })
    .optional(),
});
export type Health = z.infer<typeof HealthSchema>;
export type DownExit = NonNullable<Health['exit']>;

export class HealthStore {
  constructor(private readonly hub: RedisHub) {}

  private get key() {
    return this.hub.key('health');
  }

  async all(): Promise<Record<string, Health>> {
    const raw = await this.hub.client.hgetall(this.key);
    const out: Record<string, Health> = {};
    for (const [name, json] of Object.entries(raw)) {
      const health = readJson(HealthSchema, json);
      if (health) out[name] = health;
    }
    return out;
  }

  async get(name: string): Promise<Health | undefined> {
    return readJson(HealthSchema, await this.hub.client.hget(this.key, name));
  }

  /** Several members in one round trip, in the order asked. */
  async getMany(names: readonly string[]): Promise<(Health | undefined)[]> {
    if (!names.length) return [];
    return (await this.hub.client.hmget(this.key, ...names)).map((json) => readJson(HealthSchema, json));
  }

  /** One member, said on the changes channel as a change. */
  async put(name: string, health: Health): Promise<void> {
    await this.putMany([[name, health]], [name]);
  }

  /**
   * Several members in one round trip. When a member's status changed, the write says so on the changes channel, so
   * whoever acts on changes (the healer) does at once instead of on its next look.
   */
  async putMany(entries: readonly (readonly [string, Health])[], changed: readonly string[] = []): Promise<void> {
    if (!entries.length) return;
    const write = this.hub.client.multi().hset(this.key, Object.fromEntries(entries.map(([name, health]) => [name, JSON.stringify(health)])));
    if (changed.length) write.publish(this.changesChannel, JSON.stringify(changed));
    await write.exec();
  }

  private get changesChannel() {
    return this.hub.key('health', 'changes');
  }

  /** Calls `onChange` after each write that changed a member's status, until stopped. Opens a connection of its own. */
  watchChanges(onChange: () => void): { stop(): Promise<void> } {
    const subscriber = this.hub.connect();
    subscriber.on('message', () => onChange());
    void subscriber.subscribe(this.changesChannel).catch(() => {
      // Redis is away: ioredis subscribes again when it is back; meanwhile the watcher's own polling carries on.
    });
    return {
      async stop() {
        subscriber.disconnect();
      },
    };
  }
}
