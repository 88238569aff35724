import ms from 'ms';
import prettyMs from 'pretty-ms';
import { z } from 'zod';

/**
 * A duration written the way operators write it (`500ms`, `5s`, `2m`, `1h`); parsed to ms. A number needs its unit:
 * `OPS_TIMEOUT=30` could mean 30 ms or 30 s, and a guess either way fails someone quietly (0 needs none).
 */
export const DurationSchema = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const text = String(value).trim();
    if (/^\d+(?:\.\d+)?$/.test(text) && Number(text) !== 0) {
      ctx.addIssue({ code: 'custom', message: `${text} what? write a unit, e.g. ${text}s or ${text}ms` });
      return z.NEVER;
    }
    const parsed = ms(text as ms.StringValue);
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
