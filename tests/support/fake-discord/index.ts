import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Changes } from './changes.js';
import { CommandRegistry, type RegisteredCommand } from './commands.js';
import { defaultGuild, Directory } from './directory.js';
import { Gateway, INTENTS } from './gateway.js';
import { type InteractionRecord, Interactions } from './interactions.js';
import { MESSAGE_FLAGS } from './limits.js';
import { type MessageEvent, MessageStore, MESSAGE_TYPE, type StoredMessage } from './messages.js';
import { RateLimits, type RateLimitMatch, type RateLimitOptions } from './rate-limits.js';
import { restHandler } from './rest.js';
import { routes } from './routes.js';
import { snowflake } from './snowflake.js';
import { ChannelWebhooks } from './webhooks.js';
import type { FakeDiscordOptions, FakeGuild, FakeMessage, GatewayStats, InteractionHandle, RecordedCall } from './types.js';

/**
 * A local Discord for fleetbot's tests: REST and gateway on one 127.0.0.1 port, spoken to by the real discord.js client.
 * Opens a listening socket; `close()` ends it and every connection. See README.md for what it covers.
 */

export type * from './types.js';

export interface FakeDiscord {
  /** `http://127.0.0.1:PORT/api`: give it to discord.js as `rest.api` (it appends /v10). */
  apiUrl: string;
  token: string;
  applicationId: string;
  botUserId: string;
  /** As configured, completed with each guild's @everyone role, the bot's managed role and the bot as a member. */
  guilds: FakeGuild[];
  /** Every REST call, in order of completion. */
  calls: RecordedCall[];
  /** Resolves when a bot is identified and connected (READY and GUILD_CREATEs sent). */
  ready(timeoutMs?: number): Promise<void>;
  slash(i: { guildId: string; channelId: string; userId: string; name: string; options?: unknown[] }): InteractionHandle;
  button(i: { guildId: string; channelId: string; userId: string; customId: string; messageId: string }): InteractionHandle;
  autocomplete(i: { guildId: string; channelId: string; userId: string; name: string; options: unknown[] }): InteractionHandle;
  /** A user posts in a channel: MESSAGE_CREATE reaches the bot (content blanked without the MessageContent intent). */
  message(m: { guildId: string; channelId: string; userId: string; content: string }): Promise<FakeMessage>;
  /** The bot's messages in a channel, oldest first, as they are now (edits applied, deletions gone, ephemeral included). */
  messages(channelId: string): FakeMessage[];
  waitForMessage(channelId: string, match: (m: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
  /** Registered application commands: the guild's, or the global ones. */
  commands(guildId?: string): RegisteredCommand[];
  rateLimit(match: RateLimitMatch, opts: RateLimitOptions): void;
  /** A channel webhook (as "Integrations → Webhooks" makes): its URL takes POSTs with no bot token, as Discord's does. */
  createWebhook(channelId: string, name?: string): { id: string; token: string; url: string };
  /** What a channel webhook posted, oldest first. */
  webhookMessages(webhookId: string): FakeMessage[];
  waitForWebhookMessage(webhookId: string, match: (m: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
  /**
   * Ends the gateway connection abnormally. 'close' (close code 4000, the default) and 'terminate' (socket destroyed):
   * the client must RESUME. 'invalidate' (op 9, session gone): the client must IDENTIFY again.
   */
  dropGateway(how?: 'close' | 'terminate' | 'invalidate'): void;
  gatewayStats(): GatewayStats;
  close(): Promise<void>;
}

/**
 * What a discord.js `Client` needs to talk to the fake (spread it next to `intents`): the fake's REST base, and an
 * identify throttler that does not wait 5 s between identifies, so a re-identify in a test is immediate.
 */
export function clientOptionsFor(fake: Pick<FakeDiscord, 'apiUrl'>) {
  return { rest: { api: fake.apiUrl }, ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) } };
}

const DEFAULT_WAIT_MS = 5000;
/** The portal switches for the privileged intents are on, as they must be for fleetbot's `!` commands. */
const APPLICATION_FLAGS = (1 << 15) | (1 << 19);

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const applicationId = options.applicationId ?? snowflake();
  const bot = { id: options.botUserId ?? applicationId, username: options.botUsername ?? 'fleetbot', bot: true };
  // Shaped like a real token (base64 user id, timestamp, HMAC) so code that parses tokens keeps working.
  const token = options.token ?? `${Buffer.from(bot.id).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(20).toString('base64url')}`;
  const directory = new Directory(options.guilds ?? [defaultGuild()], bot);
  const changes = new Changes();
  const calls: RecordedCall[] = [];
  const rateLimits = new RateLimits();
  const commands = new CommandRegistry(applicationId);

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const gateway = new Gateway({
    url: origin.replace('http:', 'ws:'),
    token,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    ready: (sessionId, resumeUrl) => ({
      v: 10,
      user: { ...directory.apiUser(bot), verified: true, mfa_enabled: false, flags: 0 },
      guilds: directory.guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: sessionId,
      resume_gateway_url: resumeUrl,
      session_type: 'normal',
      shard: [0, 1],
      application: { id: applicationId, flags: APPLICATION_FLAGS },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      _trace: ['fake-discord'],
    }),
    guildCreates: () => directory.guilds.map((g) => directory.guildCreate(g)),
    members: (guildId, query) => directory.searchMembers(guildId, query),
    onChange: () => changes.notify(),
  });

  const messages = new MessageStore(directory, applicationId, origin, (event, message) => relay(event, message));
  // Discord echoes every non-ephemeral message to the bot, its own included: a bot must ignore its own messages.
  function relay(event: MessageEvent, message: StoredMessage): void {
    if (message.flags & MESSAGE_FLAGS.ephemeral) return;
    if (event === 'delete') {
      gateway.dispatch('MESSAGE_DELETE', (intents) =>
        intents & INTENTS.guildMessages ? { id: message.id, channel_id: message.channelId, guild_id: message.guildId } : undefined,
      );
      return;
    }
    gateway.dispatch(event === 'create' ? 'MESSAGE_CREATE' : 'MESSAGE_UPDATE', (intents) => {
      if (!(intents & INTENTS.guildMessages)) return undefined;
      const api = messages.toApi(message, true);
      const readable = intents & INTENTS.messageContent || message.author.id === bot.id || message.content.includes(`<@${bot.id}>`) || message.content.includes(`<@!${bot.id}>`);
      return readable ? api : { ...api, content: '', embeds: [], attachments: [], components: [] };
    });
  }

  const interactions = new Interactions({
    directory,
    messages,
    commands,
    applicationId,
    ackDeadlineMs: options.ackDeadlineMs ?? 3000,
    interactionTokenTtlMs: options.interactionTokenTtlMs ?? 15 * 60_000,
    dispatch: (payload) => gateway.dispatch('INTERACTION_CREATE', () => payload),
  });

  const webhooks = new ChannelWebhooks(directory, messages);

  server.on(
    'request',
    restHandler({
      routes: routes({ applicationId, applicationFlags: APPLICATION_FLAGS, directory, messages, commands, interactions, webhooks, gateway }),
      token,
      rateLimits,
      calls,
      attachment: (channelId, attachmentId) => messages.attachment(channelId, attachmentId),
      onChange: () => changes.notify(),
    }),
  );
  server.on('upgrade', (req, socket, head) => gateway.upgrade(req, socket, head));

  const view = (m: StoredMessage | undefined) => (m ? messages.view(m) : undefined);
  const botMessages = (channelId: string) =>
    messages
      .inChannel(channelId)
      .filter((m) => m.author.id === bot.id)
      .map((m) => messages.view(m));
  const original = (record: InteractionRecord) => (record.originalReady && record.originalMessageId ? view(messages.get(record.originalMessageId)) : undefined);
  const handle = (record: InteractionRecord): InteractionHandle => ({
    id: record.id,
    token: record.token,
    response: (timeoutMs = DEFAULT_WAIT_MS) => changes.until(() => record.response, timeoutMs, `the initial response to interaction ${record.id}`),
    original: (timeoutMs = DEFAULT_WAIT_MS) => changes.until(() => original(record), timeoutMs, `the original message of interaction ${record.id}`),
    waitForOriginal: (match, timeoutMs = DEFAULT_WAIT_MS) =>
      changes.until(
        () => {
          const message = original(record);
          return message && match(message) ? message : undefined;
        },
        timeoutMs,
        `a matching original message of interaction ${record.id}`,
      ),
    followups: () => record.followupIds.map((id) => view(messages.get(id))).filter((m) => m !== undefined),
    rejected: () => [...record.rejected],
  });

  return {
    apiUrl: `${origin}/api`,
    token,
    applicationId,
    botUserId: bot.id,
    guilds: directory.guilds,
    calls,
    ready: async (timeoutMs = DEFAULT_WAIT_MS) => {
      await changes.until(() => gateway.connected() || undefined, timeoutMs, 'a bot to identify');
    },
    slash: (i) => handle(interactions.slash(i)),
    button: (i) => handle(interactions.button(i)),
    autocomplete: (i) => handle(interactions.autocomplete(i)),
    message: async ({ guildId, channelId, userId, content }) => {
      const member = directory.requireMember(guildId, channelId, userId);
      const message = messages.create({ guildId, channelId, author: member.user, type: MESSAGE_TYPE.default, content, embeds: [], components: [], attachments: [], flags: 0 });
      changes.notify();
      return messages.view(message);
    },
    messages: botMessages,
    waitForMessage: (channelId, match, timeoutMs = DEFAULT_WAIT_MS) =>
      changes.until(() => botMessages(channelId).find(match), timeoutMs, `a matching bot message in channel ${channelId}`),
    commands: (guildId) => [...commands.list(guildId)],
    rateLimit: (match, opts) => rateLimits.add(match, opts),
    createWebhook: (channelId, name = 'alerts') => {
      const { id, token } = webhooks.create(channelId, name);
      return { id, token, url: `${origin}/api/webhooks/${id}/${token}` };
    },
    webhookMessages: (webhookId) => webhooks.sent(webhookId).map((m) => messages.view(m)),
    waitForWebhookMessage: (webhookId, match, timeoutMs = DEFAULT_WAIT_MS) =>
      changes.until(() => webhooks.sent(webhookId).map((m) => messages.view(m)).find(match), timeoutMs, `a matching message from webhook ${webhookId}`),
    dropGateway: (how = 'close') => gateway.drop(how),
    gatewayStats: () => gateway.stats(),
    close: async () => {
      changes.close();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
