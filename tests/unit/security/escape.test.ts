import { describe, expect, it } from 'vitest';
import { auditArgs, REFUSED_ARG_MAX } from '../../../security/audit.js';
import { escapeCode, escapeInline } from '../../../security/escape.js';

describe('escapeInline', () => {
  it('GIVEN plain words THEN they read the same', () => {
    expect(escapeInline('price feed is healthy, 3 restarts in 2.5 s')).toBe('price feed is healthy, 3 restarts in 2.5 s');
  });

  it('GIVEN Discord markdown THEN every marker is escaped, so the text shows as typed', () => {
    expect(escapeInline('**bold** _it_ ~~gone~~ `code` ||spoiler|| > quote # head - item [link](http://x) \\')).toBe(
      '\\*\\*bold\\*\\* \\_it\\_ \\~\\~gone\\~\\~ \\`code\\` \\|\\|spoiler\\|\\| \\> quote \\# head \\- item \\[link\\]\\(http://x\\) \\\\',
    );
  });

  it('GIVEN mentions THEN none can ping', () => {
    const out = escapeInline('@everyone @here <@123456789012345678> <@&123456789012345678> <#123456789012345678>');
    expect(out).not.toMatch(/@everyone|@here|<@\d|<@&\d|(?<!\\)</);
    expect(out).toContain('@\u200beveryone');
    expect(out).toContain('\\<@\u200b123456789012345678\\>');
  });

  it('GIVEN line breaks and control characters THEN they become visible escapes and the text stays on one line', () => {
    const out = escapeInline('a\nb\r\nc\td\u2028e\u2029f\u0085g\u0000h\u001b[31mi\u202ej\u200bk');
    expect(out).toBe('a\\\\nb\\\\r\\\\nc\\\\td\\\\u2028e\\\\u2029f\\\\u0085g\\\\u0000h\\\\u001b\\[31mi\\\\u202ej\\\\u200bk');
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
  });

  it('GIVEN a forged audit line in the arguments of a !call THEN it cannot start a line of its own or look like one', () => {
    const forged = 'x\n✅ **alice** `/execute opp-1` (discord) — ok: executed';
    const line = `⛔ **rita** \`/call\` ${escapeInline(forged, 300)} (discord) — denied: needs operate`;
    expect(line.split('\n')).toHaveLength(1);
    // Every marker of the forged entry is escaped: it shows as typed, not as bold or code.
    expect(line).not.toMatch(/(?<!\\)\*\*alice|(?<!\\)`\/execute/);
    expect(line).toContain('x\\\\n✅ \\*\\*alice\\*\\* \\`/execute opp\\-1\\`');
  });

  it('GIVEN long text THEN it is cut at the bound with an ellipsis, never inside an escape or a character', () => {
    expect(escapeInline('a'.repeat(50), 10)).toBe(`${'a'.repeat(9)}…`);
    expect(escapeInline('a'.repeat(10), 10)).toBe('a'.repeat(10));
    for (let max = 1; max < 40; max++) {
      const out = escapeInline('ab\n*😀'.repeat(20), max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).toMatch(/…$/);
      // No half escape (a lone backslash at the end) and no half of a surrogate pair.
      expect(out.slice(0, -1)).not.toMatch(/(^|[^\\])(\\\\)*\\$/);
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
  });
});

describe('escapeCode', () => {
  it('GIVEN text for an inline code span THEN backticks cannot close it and line breaks are visible', () => {
    expect(escapeCode('/call alpha echo {"text":"x\n✅ alice `/execute opp-1` ok"}')).toBe('/call alpha echo {"text":"x\\n✅ alice \u02cb/execute opp-1\u02cb ok"}');
    expect(escapeCode('a'.repeat(20), 8)).toBe(`${'a'.repeat(7)}…`);
  });
});

describe('auditArgs', () => {
  const forged = `{"text":"x\n✅ alice \`/execute opp-1\` ok ${'pad '.repeat(200)}"}`;

  it('GIVEN a refused request THEN each argument is kept as a bounded one-line rendering, secrets redacted', () => {
    const kept = auditArgs({ server: 'alpha', args: forged, key: { password: 'hunter22' } }, 'denied');
    expect(Object.keys(kept)).toEqual(['server', 'args', 'key']);
    for (const value of Object.values(kept)) {
      expect(typeof value).toBe('string');
      expect((value as string).length).toBeLessThanOrEqual(REFUSED_ARG_MAX);
      expect(value).not.toMatch(/[\n\r`]/);
    }
    expect(kept.args).toMatch(/^\{"text":"x\\n✅ alice ˋ\/execute opp-1ˋ ok pad .*…$/);
    expect(kept.key).toBe('{"password":"[REDACTED secret]"}');
  });

  it('GIVEN an accepted request THEN the arguments keep their shape, with secrets redacted', () => {
    expect(auditArgs({ member: 'alpha', count: 3, args: '{"url":"postgres://app:S3cr3t!pw@db:5432/x"}' }, 'ok')).toEqual({
      member: 'alpha',
      count: 3,
      args: '{"url":"postgres://app:[REDACTED password]@db:5432/x"}',
    });
  });
});
