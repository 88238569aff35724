import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readJson } from '../../../redis/json.js';

const PauseSchema = z.object({ by: z.string(), at: z.number() });

describe('readJson', () => {
  it('GIVEN JSON that matches the schema THEN the parsed value', () => {
    expect(readJson(PauseSchema, '{"by":"ana","at":5}')).toEqual({ by: 'ana', at: 5 });
  });

  it('GIVEN nothing stored THEN undefined', () => {
    expect(readJson(PauseSchema, null)).toBeUndefined();
    expect(readJson(PauseSchema, undefined)).toBeUndefined();
  });

  it('GIVEN malformed JSON or data of another shape THEN undefined, never a throw', () => {
    expect(readJson(PauseSchema, '{"by":')).toBeUndefined();
    expect(readJson(PauseSchema, '{"by":"ana","at":"yesterday"}')).toBeUndefined();
    expect(readJson(PauseSchema, '')).toBeUndefined();
  });

  it('GIVEN extra fields (a newer writer) THEN the fields the schema knows', () => {
    expect(readJson(PauseSchema, '{"by":"ana","at":5,"note":"x"}')).toEqual({ by: 'ana', at: 5 });
  });
});
