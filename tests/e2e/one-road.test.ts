import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsole } from '../../bot/console/transport.js';
import { startDiscordStack } from '../support/discord-stack.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { testServer } from '../support/fleet.js';
import { operator } from '../support/stack.js';

// One destructive command, /restart, asked for through every way in — the console, Discord, and the chat's model —
// and the one confirmation rule checked each time: typed in the operator's own console it runs at once; typed on a
// shared channel it asks with buttons; proposed by the model it always asks, as the model's proposal.

describe('one road for every request', () => {
  let d: Awaited<ReturnType<typeof startDiscordStack>>;
  let model: FakeOpenAI;
  const restarts = async () => (await d.s.fleet!.backend.list()).find((m) => m.name === 'alpha')!.restarts;
  /** A console session as the operator's own terminal: these lines in, everything printed out. */
  const consoleSession = async (lines: string[]) => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk) => (printed += String(chunk)));
    const session = runConsole({ bot: d.s.bot, caller: operator, imageDir: '/tmp', input, output });
    input.end(lines.map((l) => `${l}\n`).join(''));
    await session;
    return printed;
  };

  beforeAll(async () => {
    model = await startFakeOpenAI(() => ({ call: [{ name: 'restart', args: { member: 'alpha' } }] }));
    d = await startDiscordStack([testServer('alpha')], { env: { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-test' } });
  }, 60_000);
  afterAll(async () => {
    expect(d.handles.flatMap((h) => h.rejected())).toEqual([]);
    await d?.stop();
    await model?.close();
  });

  it('GIVEN /restart typed in the console THEN it runs at once, no question asked', async () => {
    const before = await restarts();
    const printed = await consoleSession(['/restart alpha']);
    expect(printed).toMatch(/^✔ restarted alpha in [\d.]+ s — healthy/);
    expect(await restarts()).toBe(before + 1);
  });

  it('GIVEN /restart typed on Discord THEN it asks with Confirm / Cancel and nothing runs before a press', async () => {
    const before = await restarts();
    const prompt = await d.slash('alice', 'restart', [{ name: 'member', type: 3, value: 'alpha' }]).original();
    expect(prompt.embeds[0].title).toBe('Restart alpha?');
    expect(prompt.embeds[0].description).toMatch(new RegExp(`^asked by <@${d.ids.alice}>`));
    expect(prompt.components[0].components.map((c: { label: string }) => c.label)).toEqual(['Confirm', 'Cancel']);
    expect(await restarts()).toBe(before);
  });

  it('GIVEN the model proposes /restart in the console chat THEN it asks there too, as the model\'s proposal', async () => {
    const before = await restarts();
    // A question, then anything but yes: the proposal is cancelled.
    const printed = await consoleSession(['why is alpha slow?', 'no']);
    expect(printed).toContain('! Restart alpha?\nproposed by the assistant while answering olga — nobody typed this change');
    expect(printed).toContain('type yes to confirm');
    expect(printed).toContain('• cancelled');
    expect(await restarts()).toBe(before);
  });

  it('GIVEN the model proposes /restart on Discord THEN it asks with buttons, never crediting the person', async () => {
    const before = await restarts();
    const answer = await d.s.bot.chat.turn('why is alpha slow?', { ...operator, via: 'discord' }, d.ids.ops);
    expect(answer.confirmation).toMatchObject({ question: 'Restart alpha?', proposed: true, mayAnswer: 'operate' });
    expect(answer.reply.body).not.toMatch(/asked by/);
    expect(await restarts()).toBe(before);
  });
});
