import ms from 'ms';
import prettyMs from 'pretty-ms';
import { z } from 'zod';

/** A duration written the way operators write it (`500ms`, `5s`, `2m`, `1h`) or as milliseconds; parsed to ms. */
export const DurationSchema = z
  .union([z.number().int().nonnegative(), z.string()])
  .transform((value, ctx) => {
    const parsed = typeof value === 'number' ? value : ms(value.trim() as ms.StringValue);
    if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
      ctx.addIssue({ code: 'custom', message: `not a duration: "${value}" (write e.g. 500ms, 5s, 2m, 1h)` });
      return z.NEVER;
    }
    return Math.round(parsed);
  });

/** `2m 3s`, `1.2 s` for short spans: the form every reply uses. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 10_000) return `${(milliseconds / 1000).toFixed(milliseconds < 1000 ? 2 : 1)} s`;
  return prettyMs(milliseconds, { secondsDecimalDigits: 0, unitCount: 2 });
}
