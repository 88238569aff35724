import type { z } from 'zod';

/**
 * A JSON value read back from Redis (or any store), checked against its schema. Anything unreadable — missing, not
 * JSON, or not of the schema's shape (written by another version) — is `undefined`: callers treat it as absent
 * rather than crash on a value they cannot use.
 */
export function readJson<S extends z.ZodType>(schema: S, raw: string | null | undefined): z.output<S> | undefined {
  if (raw === null || raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
