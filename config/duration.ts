import ms from 'ms';
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
    // ms() throws on an empty string instead of answering undefined: inside safeParse that would escape as a crash.
    const parsed = text === '' ? undefined : ms(text as ms.StringValue);
    if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
      ctx.addIssue({ code: 'custom', message: `not a duration: "${value}" (write e.g. 500ms, 5s, 2m, 1h)` });
      return z.NEVER;
    }
    return Math.round(parsed);
  });

/**
 * The one way a duration is shown to a person, in every reply, notice and log: a number, a space, a unit, and at
 * most two units — `0.67 s`, `4.2 s`, `11 s`, `2 min 3 s`, `1 h 5 min`, `3 d 4 h`. Precision shrinks as spans grow.
 */
export function formatDuration(milliseconds: number): string {
  const ms = Math.max(0, milliseconds);
  if (ms < 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const units = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ] as const;
  const first = units.findIndex(([, size]) => seconds >= size);
  const [bigName, bigSize] = units[first]!;
  const [smallName, smallSize] = units[first + 1]!;
  const big = Math.floor(seconds / bigSize);
  const small = Math.floor((seconds - big * bigSize) / smallSize);
  return small ? `${big} ${bigName} ${small} ${smallName}` : `${big} ${bigName}`;
}
