import { z } from 'zod';
import type { RedisHub } from '../redis/hub.js';
import { readJson } from '../redis/json.js';
import { escapeCode } from './escape.js';
import { redact } from './redact.js';

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
/** Characters kept of each argument of a refused request. */
export const REFUSED_ARG_MAX = 200;

/**
 * The arguments as the audit trail keeps them, secrets redacted. Those of a refused request were never accepted by
 * anyone — they may be as long as a message and hold line breaks meant to forge entries — so each is kept as a
 * bounded one-line rendering of what was sent, line breaks and hidden characters as visible escapes, no backticks.
 * Markdown is left to each surface to escape (Discord, the dashboard's HTML), as it is for every other text.
 */
export function auditArgs(args: Record<string, unknown>, outcome: AuditEntry['outcome']): Record<string, unknown> {
  const text = (value: unknown) => redact(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));
  if (outcome === 'denied') return Object.fromEntries(Object.entries(args).map(([key, value]) => [escapeCode(key, 40), escapeCode(text(value), REFUSED_ARG_MAX)]));
  const clean = (value: unknown): unknown =>
    typeof value === 'string' ? redact(value) : Array.isArray(value) ? value.map(clean) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v)])) : value;
  return clean(args) as Record<string, unknown>;
}

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

  /** Every entry recorded at or after `fromMs`, oldest first, read in pages (the stream holds up to 100,000). */
  async *since(fromMs: number, pageSize = 1000): AsyncGenerator<AuditEntry> {
    let start = `${Math.max(0, Math.floor(fromMs))}-0`;
    for (;;) {
      const rows = await this.hub.client.xrange(this.hub.key('audit'), start, '+', 'COUNT', pageSize);
      for (const [, fields] of rows) {
        const parsed = AuditEntrySchema.safeParse(JSON.parse(fields[1] ?? 'null'));
        if (parsed.success) yield parsed.data;
      }
      if (rows.length < pageSize) return;
      start = `(${rows[rows.length - 1]![0]}`;
    }
  }

  /** The newest entries first. */
  async recent(count: number): Promise<AuditEntry[]> {
    const rows = await this.hub.client.xrevrange(this.hub.key('audit'), '+', '-', 'COUNT', count);
    return rows.flatMap(([, fields]) => readJson(AuditEntrySchema, fields[1]) ?? []);
  }
}
