import { describe, expect, it } from 'vitest';
import { DurationSchema, formatDuration } from '../../../config/duration.js';

describe('durations', () => {
  it.each([
    [0, '0.00 s'],
    [670, '0.67 s'],
    [4_200, '4.2 s'],
    [9_949, '9.9 s'],
    [11_000, '11 s'],
    [59_400, '59 s'],
    [60_000, '1 min'],
    [123_000, '2 min 3 s'],
    [3_900_000, '1 h 5 min'],
    [273_600_000, '3 d 4 h'],
  ])('GIVEN %i ms THEN a person reads %s — one format below and above ten seconds', (ms, shown) => {
    expect(formatDuration(ms)).toBe(shown);
  });

  it('GIVEN an operator writes 500ms, 5s, 2m, 1h THEN they parse to milliseconds', () => {
    expect(['500ms', '5s', '2m', '1h'].map((d) => DurationSchema.parse(d))).toEqual([500, 5_000, 120_000, 3_600_000]);
  });
});
