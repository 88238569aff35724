import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../security/permissions.js';
import { testServer } from '../support/fleet.js';
import { startStack } from '../support/stack.js';

// Per-user rate limits for commands and chat on shared transports: one person over the limit is told to slow down,
// and nobody else is held back by it.

const discordUser = (id: string): Caller => ({ id, name: id, permission: 'operate', via: 'discord' });
const consoleUser: Caller = { id: 'console', name: 'console', permission: 'admin', via: 'console' };

describe('rate limits', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  beforeAll(async () => {
    s = await startStack([testServer('alpha')], { env: { RATE_LIMIT_COMMANDS: '5', RATE_LIMIT_CHAT: '3' } });
  }, 60_000);
  afterAll(() => s?.stop());

  it('GIVEN a Discord user over the command limit THEN told to slow down; others and the console are not', async () => {
    const titles: string[] = [];
    for (let i = 0; i < 7; i++) titles.push((await s.dispatcher.dispatchLine('!status', discordUser('spammer'), 'c')).title);
    expect(titles.slice(0, 5).every((t) => t.startsWith('fleet: 1 member'))).toBe(true);
    expect(titles.slice(5)).toEqual([expect.stringMatching(/^slow down: at most 5 commands a minute — try again in \d+ s$/), expect.stringMatching(/^slow down/)]);
    expect((await s.dispatcher.dispatchLine('!status', discordUser('someone-else'), 'c')).title).toMatch(/^fleet: 1 member/);
    for (let i = 0; i < 10; i++) expect((await s.dispatcher.dispatchLine('/status', consoleUser, 'console')).title).toMatch(/^fleet: 1 member/);
  });

  it('GIVEN a Discord user over the chat limit THEN told to slow down', async () => {
    const titles: string[] = [];
    for (let i = 0; i < 4; i++) titles.push((await s.bot.chat.turn('is alpha healthy?', discordUser('chatty'), 'c')).reply.title);
    expect(titles.slice(0, 3)).toEqual(Array(3).fill('fleet: 1 member — 1 healthy'));
    expect(titles[3]).toMatch(/^slow down: at most 3 chat turns a minute — try again in \d+ s$/);
  });
});
