import type { APIEmbed } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyOf } from '../../bot/dispatch.js';
import { renderText } from '../../bot/reply-text.js';
import { embedLength, LIMITS } from '../../bot/discord/limits.js';
import { renderReply } from '../../bot/discord/render.js';
import type { Reply } from '../../commands/index.js';
import type { Caller } from '../../security/permissions.js';
import { testServer } from '../support/fleet.js';
import { SECRETS } from '../support/secrets.js';
import { startStack } from '../support/stack.js';

// Every command's arguments, fuzzed through the same entry points the transports use (text lines for `!` and the
// console, argument objects for slash commands, plain words for chat): nothing crashes, every reply is a clear
// error or a result, nothing goes over Discord's limits, nothing pings, and no secret typed in comes back out.
// FUZZ_CASES=100000 FUZZ_SEED=7 npx vitest run tests/abuse/fuzz.test.ts runs a longer one.

const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '@everyone', '@here', '<@123456789012345678>', '<@&123456789012345678>', '<#123456789012345678>',
  '**bold**', '`code`', '```', '||spoiler||', '> quote', '[link](http://127.0.0.1/x)', '# heading', '~~gone~~',
  '\u0000', '\u0007', '\r\n', '\t', '\u202e', '\u200b', 'e\u0301', '🚀', '👩‍🚀', '中文', 'مرحبا', 'ㅤ',
  '1e309', '99999999999999999999', '-0', 'NaN', 'Infinity', '-1', '0x10', '3.14', '1_000', '',
  "'; DROP TABLE jobs; --", '$(rm -rf /)', '${HOME}', '../../etc/passwd', '%00', '{"a":1}', '[]', 'null', 'true',
  'alpha', 'beta', 'status', 'restart', 'yes', 'no', 'count=5', 'member=alpha', 'args={"text":"hi"}',
];

describe('fuzzing every command', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  const secrets = SECRETS.map(([, , secret]) => secret).filter((x) => x.length >= 12);

  beforeAll(async () => {
    s = await startStack([testServer('alpha')], { opsTimeoutMs: 5000, env: { RATE_LIMIT_COMMANDS: '10000', RATE_LIMIT_CHAT: '10000' } });
  }, 60_000);
  afterAll(() => s?.stop());

  function check(reply: Reply, input: string) {
    expect(typeof reply.title, input).toBe('string');
    expect(reply.title.length, input).toBeGreaterThan(0);
    if (reply.tone === 'error') expect(reply.title, input).not.toContain('\n');
    const text = renderText(reply);
    expect(text, input).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)|TypeError|ReferenceError|internal error/);
    const message = renderReply(reply);
    const embeds = (message.embeds ?? []) as APIEmbed[];
    expect(embeds.length).toBeLessThanOrEqual(LIMITS.embedsPerMessage);
    for (const embed of embeds) {
      expect(embedLength(embed), input).toBeLessThanOrEqual(LIMITS.embedTotal);
      expect(embed.title?.length ?? 0).toBeLessThanOrEqual(LIMITS.title);
      expect(embed.description?.length ?? 0).toBeLessThanOrEqual(LIMITS.description);
    }
    expect((message.content ?? '').length).toBeLessThanOrEqual(LIMITS.content);
    expect(message.allowedMentions, input).toEqual({ parse: [] });
    const shown = [text, JSON.stringify(embeds)].join('\n');
    for (const secret of secrets) if (input.includes(secret)) expect(shown, `secret echoed for ${input.slice(0, 80)}`).not.toContain(secret);
  }

  it(`GIVEN ${CASES} random requests (seed ${SEED}) THEN every reply is clear, within Discord's limits, with no ping and no secret`, async () => {
    const random = mulberry32(SEED);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const commands = s.dispatcher.commands.map((c) => c.name);
    const word = (): string => {
      const r = random();
      if (r < 0.35) return pick(PIECES);
      if (r < 0.45) return pick(SECRETS)[1];
      if (r < 0.55) return String(Math.floor((random() - 0.5) * 10 ** Math.floor(random() * 25)));
      if (r < 0.6) return 'x'.repeat(Math.floor(random() * 5000));
      return Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(PIECES)).join(pick(['', ' ', '_', '\n']));
    };
    const value = (): unknown => pick([word(), Math.floor(random() * 1e6) - 5e5, random() * 1e12, random() < 0.5, null, [], {}, word().length]);
    const callers: Caller[] = (['none', 'read', 'operate', 'admin'] as const).map((permission, i) => ({ id: `fuzz-${i}`, name: `fuzzer ${permission}`, permission, via: 'discord' }));
    const counts = { line: 0, slash: 0, chat: 0 };

    for (let i = 0; i < CASES; i++) {
      const caller = pick(callers);
      const command = random() < 0.9 ? pick(commands) : word();
      const form = random();
      let reply: Reply;
      let input: string;
      if (form < 0.5) {
        input = `${pick(['/', '!', ''])}${command} ${Array.from({ length: Math.floor(random() * 4) }, word).join(' ')}`;
        reply = await s.dispatcher.dispatchLine(input, caller, 'fuzz');
        counts.line++;
      } else if (form < 0.9) {
        const args = Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(['member', 'count', 'server', 'tool', 'args', 'duration', 'action', 'metric', 'range', 'id', 'check', 'base', 'quote', word()]), value()]));
        input = `${command} ${JSON.stringify(args)}`;
        reply = replyOf(await s.dispatcher.handle({ caller, channel: 'fuzz', command, args, origin: 'shared' }));
        counts.slash++;
      } else {
        input = Array.from({ length: 1 + Math.floor(random() * 6) }, word).join(' ');
        reply = (await s.bot.chat.turn(input, caller, 'fuzz')).reply;
        counts.chat++;
      }
      check(reply, input);
    }
    expect(counts.line + counts.slash + counts.chat).toBe(CASES);
    // The fleet is still there and answering.
    expect((await s.dispatcher.dispatchLine('/status', callers[3]!, 'fuzz')).title).toMatch(/^fleet: 1 member/);
  }, 600_000);
});
