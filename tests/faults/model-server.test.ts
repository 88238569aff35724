import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../mcp-fleet/ports.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { testServer } from '../support/fleet.js';
import { operator, startStack } from '../support/stack.js';

// The model server fails: it hangs, or nothing listens. The chat turn ends with a clear message within its time
// budget, and commands go on working.

describe('the model server failing', () => {
  let s: Awaited<ReturnType<typeof startStack>> | undefined;
  let model: FakeOpenAI | undefined;
  afterEach(async () => {
    await s?.stop();
    await model?.close();
  });

  it('GIVEN a model that hangs THEN the turn ends with a message at its time budget, and commands keep working', async () => {
    model = await startFakeOpenAI(() => 'hang');
    s = await startStack([testServer('alpha')], { env: { OPENAI_BASE_URL: model.url, CHAT_TURN_TIMEOUT: '3s' } });
    const began = Date.now();
    const answer = await s.bot.chat.turn('what is going on?', operator, 'c');
    expect(Date.now() - began).toBeLessThan(8000);
    expect(answer.reply.title).toBe('the language model took longer than 3.0 s, so I stopped — commands still work (type help)');
    expect((await s.dispatcher.dispatchLine('/status', operator, 'test')).title).toBe('fleet: 1 member — 1 healthy');
  });

  it('GIVEN the model server is down THEN a clear message, and commands keep working', async () => {
    const port = await freePort();
    s = await startStack([testServer('alpha')], { env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, CHAT_TURN_TIMEOUT: '5s' } });
    const answer = await s.bot.chat.turn('how is alpha?', operator, 'c');
    expect(answer.reply.tone).toBe('error');
    expect(answer.reply.title).toMatch(new RegExp(`^the language model at 127\\.0\\.0\\.1:${port} did not answer \\(.+\\) — commands still work \\(type help\\)$`));
    expect((await s.dispatcher.dispatchLine('/status', operator, 'test')).title).toBe('fleet: 1 member — 1 healthy');
  });
});
