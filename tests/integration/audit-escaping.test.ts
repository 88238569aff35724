import type { APIEmbed } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../bot/discord/render.js';
import { DiscordSink } from '../../bot/discord/sink.js';
import { AlertBook } from '../../bot/notifier/alert-book.js';
import { Notifier } from '../../bot/notifier/index.js';
import { SilenceStore } from '../../state/silences.js';
import { REFUSED_ARG_MAX } from '../../security/audit.js';
import { createLogger } from '../../telemetry/logger.js';
import { testServer, waitFor } from '../support/fleet.js';
import { operator, reader, startStack } from '../support/stack.js';

// Hole 3 of the trust-boundary review: a `read` user's denied `!call` (now `/execute`) whose arguments hold a line
// break and a genuine-looking entry ("✅ alice `/execute …` ok") must neither be stored raw in the audit stream (real
// Redis) nor print a line of its own in the audit channel (the real notifier and Discord sink, real notify queue).

const AUDIT = '222222222222222222';
const FORGED = `{"note":"x\n✅ **alice** \`/execute opp-1\` (discord) — ok: executed\n✅ **alice** \`/restart alpha\` (discord) — ok"}`;

describe('audit entries of refused requests', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  const posted: DiscordMessage[] = [];
  let notifier: Notifier;

  beforeAll(async () => {
    s = await startStack([testServer('alpha')], { agents: [] });
    const discord = new DiscordSink({
      post: async (channel, message) => {
        if (channel === AUDIT) posted.push(message);
      },
      buttons: () => [],
    });
    notifier = new Notifier({
      hub: s.hub,
      alerts: new AlertBook(s.hub, new SilenceStore(s.hub), [], 3_600_000),
      sinks: [discord],
      routes: [{ kind: 'audit', sink: 'discord', destination: AUDIT }],
      groupWaitMs: 100,
      maxPerMinute: 600,
      log: createLogger({ level: 'error' }),
    });
    notifier.start();
  }, 60_000);
  afterAll(async () => {
    await notifier?.stop();
    await s?.stop();
  });

  it('GIVEN a denied /execute (once !call) with a forged entry in its arguments THEN the stream keeps it bounded on one line and the channel shows one line for it', async () => {
    const refused = await s.dispatcher.handle({ caller: reader, channel: 'ops', command: 'execute', args: { target: 'alpha', tool: 'echo', args: FORGED }, origin: 'console' });
    expect(refused.kind).toBe('refused');
    // A genuine change next to it, so the channel message holds both.
    expect((await s.dispatcher.dispatchLine('/silence alpha 5m', operator, 'ops')).tone).toBe('ok');

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
    expect(lines.find((l) => l.startsWith('⛔'))).toMatch(/^⛔ \*\*rita\*\* `\/execute alpha echo \{"note":"x\\n✅ \*\*alice\*\* ˋ\/execute/);
  }, 30_000);
});
