import type { z } from 'zod';

/**
 * Reads a JSON value another process wrote to Redis, checked against its schema. Redis is a trust boundary and may
 * hold what an older or newer fleetbot wrote: malformed JSON and data that does not match both read as absent
 * (undefined) — never a throw — so one bad entry cannot break a reader; callers that must have the value say why not.
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
