import { redact } from './redact.js';

/**
 * Every string inside a value (object values, array items, nested), redacted: for what a surface sends as data
 * rather than text — the dashboard's snapshot and live stream, Bull Board's job data. A string under a key is read
 * as `key=value`, so a field named like a secret (`password`, `api_key`, …) is hidden by the same labelled rule as
 * text is.
 */
export function redactDeep<T>(value: T, key?: string): T {
  if (typeof value === 'string') {
    // The value on its own first (a secret inside it), then labelled by its key (a field named like a secret).
    const alone = redact(value);
    if (key === undefined) return alone as T;
    const head = `${key}=`;
    const out = redact(`${head}${alone}`);
    return (out.startsWith(head) ? out.slice(head.length) : alone) as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, k)])) as T;
  }
  return value;
}
