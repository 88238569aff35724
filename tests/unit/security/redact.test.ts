import { describe, expect, it } from 'vitest';
import { redact, redactLines } from '../../../security/redact.js';
import { DISCORD, fragmentsShown, LOOK_ALIKES, SECRET_CORPUS } from '../../support/secrets.js';

describe('redact', () => {
  it.each(SECRET_CORPUS.map((s) => [`${s.kind} (${s.format})`, s] as const))('GIVEN %s THEN no part of the secret is shown', (_name, sample) => {
    const out = redact(sample.text);
    expect(out).not.toContain(sample.secret);
    expect(out).toContain('[REDACTED');
    expect(fragmentsShown(sample.secret, out)).toEqual([]);
  });

  it.each(LOOK_ALIKES.map((l) => [l.format, l.text] as const))('GIVEN a harmless look-alike (%s) THEN it is left as it is', (_format, text) => {
    expect(redact(text)).toBe(text);
  });

  it('keeps the words around a secret, so the line still says what happened', () => {
    expect(redact(`login with ${DISCORD} failed`)).toBe('login with [REDACTED discord-token] failed');
    expect(redact('connecting to postgres://admin:S3cr3t!pw@db.internal:5432/app')).toBe('connecting to postgres://admin:[REDACTED password]@db.internal:5432/app');
    expect(redact('DATABASE_URL=postgresql://app:p@ss@w0rd@10.0.0.5:5432/prod')).toBe('DATABASE_URL=postgresql://app:[REDACTED password]@10.0.0.5:5432/prod');
    expect(redact('mysql -u root -pMyS3cretPw -h 127.0.0.1 fleet')).toBe('mysql -u root -p[REDACTED password] -h 127.0.0.1 fleet');
  });

  it('is idempotent', () => {
    for (const { text } of SECRET_CORPUS) expect(redact(redact(text))).toBe(redact(text));
  });

  it('GIVEN lines of a log THEN redactLines returns as many lines, a multi-line secret becoming marker lines', () => {
    const lines = ['starting', '-----BEGIN EC PRIVATE KEY-----', 'MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oa5M6L5bDJk1oAoGCCqGSM49', '-----END EC PRIVATE KEY-----', 'ready'];
    const out = redactLines(lines);
    expect(out).toHaveLength(lines.length);
    expect(out[0]).toBe('starting');
    expect(out[4]).toBe('ready');
    expect(out.slice(1, 4).every((l) => l.startsWith('[REDACTED private-key]'))).toBe(true);
    const seed = SECRET_CORPUS.find((s) => s.format === 'one word per line (24)')!.text.split('\n');
    expect(redactLines(['a', ...seed, 'b'])).toEqual(['a', ...seed.map(() => '[REDACTED mnemonic]'), 'b']);
    expect(redactLines([])).toEqual([]);
  });
});
