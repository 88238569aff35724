import type { Member } from '../../config/manifest.js';
import { startDiscord, startNotifier } from '../../bot/roots.js';
import type { DiscordConfig } from '../../config/index.js';
import { clientOptionsFor, startFakeDiscord, type FakeMessage, type InteractionHandle } from './fake-discord/index.js';
import { snowflake } from './fake-discord/snowflake.js';
import { startStack } from './stack.js';

/**
 * fleetbot on the fake Discord: the whole stack (real Redis, real members) with its Discord transport and notifier
 * driven by the real discord.js client. Two people: alice (ops role → operate) and bob (no role → read).
 */
export async function startDiscordStack(members: Member[], options: Parameters<typeof startStack>[1] = {}) {
  const ids = {
    guild: snowflake(),
    ops: snowflake(),
    alerts: snowflake(),
    healing: snowflake(),
    audit: snowflake(),
    findings: snowflake(),
    opsRole: snowflake(),
    adminRole: snowflake(),
    oncall: snowflake(),
    alice: snowflake(),
    bob: snowflake(),
  };
  const fake = await startFakeDiscord({
    guilds: [
      {
        id: ids.guild,
        name: 'defi-ops',
        channels: (['ops', 'alerts', 'healing', 'audit', 'findings'] as const).map((name) => ({ id: ids[name], name })),
        roles: [
          { id: ids.opsRole, name: 'ops' },
          { id: ids.adminRole, name: 'admin' },
          { id: ids.oncall, name: 'oncall' },
        ],
        members: [
          { user: { id: ids.alice, username: 'alice' }, roles: [ids.opsRole] },
          { user: { id: ids.bob, username: 'bob' }, roles: [] },
        ],
      },
    ],
  });
  const s = await startStack(members, options);
  const discord: DiscordConfig = {
    token: fake.token,
    guildId: ids.guild,
    apiUrl: fake.apiUrl,
    grants: { admin: { roles: [ids.adminRole], users: [] }, operate: { roles: [ids.opsRole], users: [] }, read: { roles: [], users: [] } },
    defaultPermission: 'read',
    channels: { alert: ids.alerts, healing: ids.healing, audit: ids.audit, finding: ids.findings },
    criticalRole: ids.oncall,
    chatChannels: [],
  };
  const config = { ...s.config, discord, notify: { groupWaitMs: 1000, maxPerMinute: 20, repeatIntervalMs: 3_600_000, console: [], metricsEveryMs: 3_600_000 } };
  const connect = async () => {
    const { transport, sink } = await startDiscord(s.stack, config, s.shared, s.bot, { ws: clientOptionsFor(fake).ws });
    return { transport, notifier: startNotifier(s.stack, config, s.bot, s.shared, [sink]) };
  };
  let bot = await connect();

  const handles: InteractionHandle[] = [];
  const user = { alice: ids.alice, bob: ids.bob };
  type Who = keyof typeof user;
  return {
    fake,
    s,
    ids,
    /** Every interaction made through these helpers, to check none was refused as late. */
    handles,
    /** The bot process restarting: its Discord client goes away and a new one (same Redis, same config) connects. */
    async restartBot() {
      await bot.notifier.stop();
      await bot.transport.stop();
      bot = await connect();
    },
    slash(who: Who, name: string, options: unknown[] = []) {
      const handle = fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: user[who], name, options });
      handles.push(handle);
      return handle;
    },
    button(who: Who, customId: string, messageId: string, channelId = ids.ops) {
      const handle = fake.button({ guildId: ids.guild, channelId, userId: user[who], customId, messageId });
      handles.push(handle);
      return handle;
    },
    /** Posts `content` in #ops as `who` and waits for fleetbot's reply to it that matches. */
    async bang(who: Who, content: string, match: (m: FakeMessage) => boolean = () => true) {
      const sent = await fake.message({ guildId: ids.guild, channelId: ids.ops, userId: user[who], content });
      return fake.waitForMessage(ids.ops, (m) => m.replyTo === sent.id && match(m), 10_000);
    },
    async stop() {
      await s.stop();
      await fake.close();
    },
  };
}
