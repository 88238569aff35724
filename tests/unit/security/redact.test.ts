import { describe, expect, it } from 'vitest';
import { redact } from '../../../security/redact.js';
import { DISCORD, HARMLESS, SECRETS } from '../../support/secrets.js';

describe('redact', () => {
  it.each(SECRETS)('GIVEN %s THEN the secret is gone', (_kind, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED');
  });

  it('the corpus covers at least 50 secrets of at least 20 kinds', () => {
    expect(SECRETS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(SECRETS.map(([kind]) => kind.split(' ')[0])).size).toBeGreaterThanOrEqual(20);
  });

  it.each(HARMLESS)('GIVEN a harmless look-alike THEN it is left as it is: %s', (text) => {
    expect(redact(text)).toBe(text);
  });

  it('keeps the words around a secret, so the line still says what happened', () => {
    expect(redact(`login with ${DISCORD} failed`)).toBe('login with [REDACTED discord-token] failed');
    expect(redact('connecting to postgres://admin:S3cr3t!pw@db.internal:5432/app')).toBe(
      'connecting to postgres://admin:[REDACTED password]@db.internal:5432/app',
    );
  });

  it('is idempotent', () => {
    for (const [, text] of SECRETS) expect(redact(redact(text))).toBe(redact(text));
  });
});
