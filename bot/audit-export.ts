import type { Writable } from 'node:stream';
import type { RedisHub } from '../redis/hub.js';
import { AuditLog } from '../security/audit.js';
import { redact } from '../security/redact.js';

/**
 * `fleetbot audit export`: the audit trail as JSON lines, for keeping beyond the stream's 100,000 entries. Every
 * string in an entry goes through the same redaction as chat replies, so an export can be archived or shared.
 * Side effects: reads the `<prefix>:audit` stream; writes to `out`.
 */

function redactDeep(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  return value;
}

/** Writes every entry since `sinceMs` (unix ms), oldest first; resolves to how many. */
export async function exportAudit(hub: RedisHub, sinceMs: number, out: Writable): Promise<number> {
  const audit = new AuditLog(hub, async () => {});
  let count = 0;
  for await (const entry of audit.since(sinceMs)) {
    const line = `${JSON.stringify(redactDeep(entry))}\n`;
    // Respect a slow reader (a pipe to gzip, say) instead of buffering the whole trail.
    if (!out.write(line)) await new Promise((resolve) => out.once('drain', resolve));
    count++;
  }
  return count;
}
