import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord } from '../../bot/roots.js';
import type { DiscordConfig } from '../../config/index.js';
import { clientOptionsFor, startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { snowflake } from '../support/fake-discord/snowflake.js';
import { testServer } from '../support/fleet.js';
import { startStack } from '../support/stack.js';

// Issue 12, hole 5: fleetbot answered in any guild it was in. The real discord.js client against the fake Discord,
// which holds two guilds with the bot in both; fleetbot is configured for the first only.

describe('fleetbot answers only in its own guild', () => {
  let fake: FakeDiscord;
  let s: Awaited<ReturnType<typeof startStack>>;
  const ids = { home: snowflake(), ops: snowflake(), other: snowflake(), general: snowflake(), alice: snowflake(), mallory: snowflake() };

  beforeAll(async () => {
    fake = await startFakeDiscord({
      guilds: [
        { id: ids.home, name: 'defi-ops', channels: [{ id: ids.ops, name: 'ops' }], roles: [], members: [{ user: { id: ids.alice, username: 'alice' }, roles: [] }] },
        { id: ids.other, name: 'elsewhere', channels: [{ id: ids.general, name: 'general' }], roles: [], members: [{ user: { id: ids.mallory, username: 'mallory' }, roles: [] }] },
      ],
    });
    s = await startStack([testServer('alpha')]);
    const discord: DiscordConfig = {
      token: fake.token,
      guildId: ids.home,
      apiUrl: fake.apiUrl,
      grants: { admin: { roles: [], users: [] }, operate: { roles: [], users: [] }, read: { roles: [], users: [] } },
      defaultPermission: 'read',
      channels: {},
      chatChannels: [ids.ops, ids.general],
    };
    await startDiscord(s.stack, { ...s.config, discord }, s.shared, s.bot, { ws: clientOptionsFor(fake).ws });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await fake?.close();
  });

  it('GIVEN a member of a second guild THEN !status and !logs get nothing, while the home guild is answered', async () => {
    const status = await fake.message({ guildId: ids.other, channelId: ids.general, userId: ids.mallory, content: '!status' });
    const logs = await fake.message({ guildId: ids.other, channelId: ids.general, userId: ids.mallory, content: '!logs alpha' });
    const chat = await fake.message({ guildId: ids.other, channelId: ids.general, userId: ids.mallory, content: 'what runs here?' });
    // The home guild's request, sent after: once it is answered, the others were seen (the gateway keeps order).
    const home = await fake.message({ guildId: ids.home, channelId: ids.ops, userId: ids.alice, content: '!logs alpha' });
    const answer = await fake.waitForMessage(ids.ops, (m) => m.replyTo === home.id, 20_000);
    expect(answer.embeds.length + answer.content.length).toBeGreaterThan(0);
    expect(fake.messages(ids.general)).toEqual([]);
    expect(fake.calls.filter((c) => c.path.startsWith(`/channels/${ids.general}`)).map((c) => `${c.method} ${c.path}`)).toEqual([]);
    expect([status.id, logs.id, chat.id]).toHaveLength(3);
  }, 30_000);

  it('GIVEN the commands THEN they are registered in the home guild only; a stale global command used elsewhere is refused privately', async () => {
    expect(fake.commands(ids.home).map((c) => c.name)).toContain('status');
    expect(fake.commands(ids.other)).toEqual([]);
    expect(fake.commands()).toEqual([]);
    expect(() => fake.slash({ guildId: ids.other, channelId: ids.general, userId: ids.mallory, name: 'status' })).toThrow(/not registered/);
    // A global /logs left from an older deployment: Discord would show it in every guild.
    const put = await fetch(`${fake.apiUrl}/v10/applications/${fake.applicationId}/commands`, {
      method: 'PUT',
      headers: { authorization: `Bot ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ name: 'logs', description: 'logs', options: [{ type: 3, name: 'member', description: 'member', required: true }] }]),
    });
    expect(put.status).toBe(200);
    const handle = fake.slash({ guildId: ids.other, channelId: ids.general, userId: ids.mallory, name: 'logs', options: [{ name: 'member', type: 3, value: 'alpha' }] });
    const response = await handle.response(10_000);
    expect(response.data.flags & 64).toBe(64);
    expect(response.data.content).toBe('fleetbot does not serve this server.');
    expect(JSON.stringify(response.data)).not.toMatch(/alpha.*(started|listening|ready)/i);
  }, 30_000);
});
