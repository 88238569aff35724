import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStack } from '../support/discord-stack.js';
import { testServer } from '../support/fleet.js';

// The bot restarts between a question and its answer: the Confirm button posted by the old bot still works with
// the new one, because the pending request lives in Redis (for the 15 minutes an interaction token lives).

describe('the bot restarted mid-confirmation', () => {
  let d: Awaited<ReturnType<typeof startDiscordStack>>;
  beforeAll(async () => {
    d = await startDiscordStack([testServer('alpha')]);
  }, 60_000);
  afterAll(() => d?.stop());

  it('GIVEN a pending /restart WHEN the bot restarts THEN Confirm still restarts, once', async () => {
    const restarts = async () => (await d.s.fleet!.backend.list()).find((m) => m.name === 'alpha')!.restarts;
    const before = await restarts();
    const prompt = await d.slash('alice', 'restart', [{ name: 'member', type: 3, value: 'alpha' }]).original();
    const identifies = d.fake.gatewayStats().identifies;
    await d.restartBot();
    expect(d.fake.gatewayStats().identifies).toBe(identifies + 1);
    const press = d.button('alice', prompt.components[0].components[0].custom_id, prompt.id);
    expect((await press.response()).type).toBe(6);
    const done = await d.fake.waitForMessage(d.ids.ops, (m) => m.id === prompt.id && m.embeds[0]?.title?.startsWith('restarted'), 15_000);
    expect(done.embeds[0].title).toMatch(/^restarted alpha in [\d.]+ s — healthy$/);
    expect(await restarts()).toBe(before + 1);
    expect(d.handles.flatMap((h) => h.rejected())).toEqual([]);
  });
});
