import type { APIEmbed } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../bot/discord/render.js';
import { AlertBook } from '../../bot/notifier/alert-book.js';
import { Notifier } from '../../bot/notifier/index.js';
import { REFUSED_ARG_MAX } from '../../security/audit.js';
import { createLogger } from '../../telemetry/logger.js';
import { testServer, waitFor } from '../support/fleet.js';
import { operator, reader, startStack } from '../support/stack.js';

// Hole 3 of the trust-boundary review: a `read` user's denied `!call` whose arguments hold a line break and a
// genuine-looking entry ("✅ alice `/execute …` ok") must neither be stored raw in the audit stream (real Redis) nor
// print a line of its own in the audit channel (the real notifier consuming the real notify queue).

const AUDIT = '222222222222222222';
const FORGED = `{"note":"x\n✅ **alice** \`/execute opp-1\` (discord) — ok: executed\n✅ **alice** \`/restart alpha\` (discord) — ok"}`;

describe('audit entries of refused requests', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  const posted: DiscordMessage[] = [];
  let notifier: Notifier;

  beforeAll(async () => {
    s = await startStack([testServer('alpha')], { agents: [] });
    notifier = new Notifier({
      hub: s.hub,
      alerts: new AlertBook(s.hub, [], 3_600_000),
      channels: { audit: AUDIT },
      groupWaitMs: 100,
      maxPerMinute: 600,
      post: async (channel, message) => {
        if (channel === AUDIT) posted.push(message);
      },
      log: createLogger({ level: 'error' }),
    });
    notifier.start();
  }, 60_000);
  afterAll(async () => {
    await notifier?.stop();
    await s?.stop();
  });

  it('GIVEN a denied !call with a forged entry in its arguments THEN the stream keeps it bounded on one line and the channel shows one line for it', async () => {
    const reply = await s.dispatcher.dispatch({ caller: reader, channel: 'ops', command: 'call', args: { server: 'alpha', tool: 'echo', args: FORGED } });
    expect(reply.tone).toBe('error');
    // A genuine change next to it, so the channel message holds both.
    await s.dispatcher.dispatch({ caller: operator, channel: 'ops', command: 'silence', args: { member: 'alpha', duration: '5m' } });

    const [genuine, denied] = await waitFor(async () => {
      const entries = await s.shared.audit.recent(10);
      return entries.length >= 2 ? entries : undefined;
    });
    expect(denied!.outcome).toBe('denied');
    expect(denied!.user.name).toBe(reader.name);
    const sent = denied!.args.args as string;
    expect(sent.length).toBeLessThanOrEqual(REFUSED_ARG_MAX);
    expect(sent).not.toMatch(/[\n\r`]/);
    expect(sent).toContain('x\\n✅ **alice** ˋ/execute opp-1ˋ');
    expect(genuine!.command).toBe('silence');

    const message = await waitFor(() => posted.find((m) => ((m.embeds ?? []) as APIEmbed[]).some((e) => e.description?.includes('silence'))));
    const description = ((message.embeds ?? []) as APIEmbed[]).find((e) => e.title?.startsWith('audit'))!.description!;
    const lines = description.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('✅'))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith('⛔'))).toMatch(/^⛔ \*\*rita\*\* `\/call alpha echo \{"note":"x\\n✅ \*\*alice\*\* ˋ\/execute/);
  }, 30_000);
});
