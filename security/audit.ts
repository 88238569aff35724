import { z } from 'zod';
import type { RedisHub } from '../redis/hub.js';
import { readJson } from '../redis/json.js';

/**
 * The audit trail: who asked for which change, where, and what came of it — allowed or denied.
 * Side effects: appends to the `<prefix>:audit` Redis stream (capped) and hands each entry to the notifier.
 */

export const AuditEntrySchema = z.object({
  at: z.number(),
  user: z.object({ id: z.string(), name: z.string() }),
  /** For a confirmed request: who asked for it (`user` is who confirmed). */
  askedBy: z.object({ id: z.string(), name: z.string() }).optional(),
  via: z.string().describe('transport: console, discord, chat'),
  channel: z.string(),
  command: z.string(),
  args: z.record(z.string(), z.unknown()),
  outcome: z.enum(['ok', 'failed', 'denied']),
  detail: z.string().describe('the reply given, or why it was denied'),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

const STREAM_LENGTH = 100_000;

export class AuditLog {
  constructor(
    private readonly hub: RedisHub,
    private readonly publish: (entry: AuditEntry) => Promise<unknown>,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    const valid = AuditEntrySchema.parse(entry);
    await this.hub.client.xadd(this.hub.key('audit'), 'MAXLEN', '~', String(STREAM_LENGTH), '*', 'entry', JSON.stringify(valid));
    await this.publish(valid);
  }

  /** The newest entries first. */
  async recent(count: number): Promise<AuditEntry[]> {
    const rows = await this.hub.client.xrevrange(this.hub.key('audit'), '+', '-', 'COUNT', count);
    return rows.flatMap(([, fields]) => readJson(AuditEntrySchema, fields[1]) ?? []);
  }
}
