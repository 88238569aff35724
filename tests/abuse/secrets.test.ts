import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStack } from '../support/discord-stack.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { testServer, waitFor } from '../support/fleet.js';
import { fragmentsShown, LOOK_ALIKES, SECRET_CORPUS } from '../support/secrets.js';

// The secrets corpus (over 100 real-looking secrets of more than 50 kinds, each in the format it comes from) goes
// everywhere text can come from — member logs, MCP tool results, error messages, the model's answers, alerts, the
// audit trail — and not one of them, nor any piece of one, reaches any Discord channel, in content, embeds or
// attachments; the look-alikes printed to the same log come back readable.

const LINES = SECRET_CORPUS.map((s) => s.text);

describe('secrets never reach a channel', () => {
  let d: Awaited<ReturnType<typeof startDiscordStack>>;
  let model: FakeOpenAI;

  beforeAll(async () => {
    model = await startFakeOpenAI(() => ({ say: `Here is what I found:\n${LINES.join('\n')}` }));
    d = await startDiscordStack([testServer('alpha')], { env: { OPENAI_BASE_URL: model.url, RATE_LIMIT_COMMANDS: '10000', RATE_LIMIT_CHAT: '10000' } });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
    await model?.close();
  });

  it('GIVEN secrets in logs, tool results, errors, model answers, alerts and audit entries THEN no channel shows one', async () => {
    const { fake, ids, s } = d;
    expect(SECRET_CORPUS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(SECRET_CORPUS.map((x) => x.kind)).size).toBeGreaterThanOrEqual(50);
    expect(LOOK_ALIKES.length).toBeGreaterThanOrEqual(30);

    // Member logs: the corpus, then the look-alikes, read back whole through /logs.
    const printed = [...LINES, ...LOOK_ALIKES.map((l) => l.text), 'end of the corpus'].join('\n');
    await s.fleet!.pool.callTool('alpha', 'say_to_stderr', { line: printed });
    await waitFor(async () => ((await s.fleet!.backend.logs('alpha', { tail: 1 }))[0]?.endsWith('end of the corpus') ? true : undefined));
    const logs = await d.bang('bob', `!logs alpha ${printed.split('\n').length}`, (m) => m.attachments.length > 0);
    const logText = logs.attachments.map((a) => a.content.toString('utf8')).join('\n');
    for (const { format, text } of LOOK_ALIKES) expect(logText, `look-alike changed: ${format}`).toContain(text);

    // An MCP tool's result.
    const call = d.slash('alice', 'execute', [
      { name: 'target', type: 3, value: 'alpha' },
      { name: 'tool', type: 3, value: 'echo' },
      { name: 'args', type: 3, value: JSON.stringify({ text: LINES.join('\n') }) },
    ]);
    await call.waitForOriginal((m) => m.embeds.length > 0, 30_000);

    // Errors that echo what was typed: each secret in its context, as one quoted argument.
    for (const line of LINES) await d.bang('bob', `!logs "${line.replace(/["\\]/g, '\\$&')}"`, (m) => m.embeds.length > 0);

    // The model's answer.
    const asked = await fake.message({ guildId: ids.guild, channelId: ids.ops, userId: ids.bob, content: `<@${fake.botUserId}> what is in alpha's log?` });
    await fake.waitForMessage(ids.ops, (m) => m.replyTo === asked.id && m.embeds.length > 0, 30_000);

    // An alert with secrets in its detail, and an audited change with a secret in its arguments.
    await s.shared.notify.add('alert', { key: 'alpha-down', status: 'firing', severity: 'critical', member: 'alpha', title: 'alpha is down', detail: LINES.slice(0, 20).join(' | '), at: Date.now() });
    await fake.waitForMessage(ids.alerts, (m) => m.embeds.length > 0, 30_000);
    // (a test alert's message is free text, up to 200 characters: a whole secret line, as typed)
    const test = d.slash('alice', 'alert', [
      { name: 'severity', type: 3, value: 'warning' },
      { name: 'message', type: 3, value: LINES.find((l) => l.length <= 200)! },
    ]);
    await test.waitForOriginal((m) => m.embeds.length > 0, 30_000);
    await fake.waitForMessage(ids.audit, (m) => m.embeds.length > 0, 30_000);

    const everything = [ids.ops, ids.alerts, ids.audit, ids.healing, ids.findings]
      .flatMap((channel) => fake.messages(channel))
      .map((m) => [m.content, JSON.stringify(m.embeds), ...m.attachments.map((a) => a.content.toString('utf8'))].join('\n'))
      .join('\n');
    expect(everything.length).toBeGreaterThan(10_000);
    expect(everything).toContain('[REDACTED');
    for (const { kind, format, secret } of SECRET_CORPUS) {
      const at = everything.indexOf(secret);
      expect(at, `leaked: ${kind} (${format}) in ${JSON.stringify(everything.slice(Math.max(0, at - 120), at + 60))}`).toBe(-1);
      expect(fragmentsShown(secret, everything), `leaked in part: ${kind} (${format})`).toEqual([]);
    }
    expect(d.handles.flatMap((h) => h.rejected())).toEqual([]);
  }, 120_000);
});
