import type { CommandRegistry } from './commands.js';
import type { Directory } from './directory.js';
import { discordError, formError } from './errors.js';
import type { Gateway } from './gateway.js';
import type { Interactions } from './interactions.js';
import { MESSAGE_FLAGS, parseMessageBody, settableFlags } from './limits.js';
import { isEmpty, MESSAGE_TYPE, messageFields, type MessageStore, type StoredMessage } from './messages.js';
import { noContent, ok, route, type Route } from './rest.js';
import type { ChannelWebhooks } from './webhooks.js';

/** The REST routes the fake answers: what discord.js calls to log in, register commands, post, edit and respond. */

export interface RoutesContext {
  applicationId: string;
  /** Application flags (READY and /applications/@me). */
  applicationFlags: number;
  directory: Directory;
  messages: MessageStore;
  commands: CommandRegistry;
  interactions: Interactions;
  webhooks: ChannelWebhooks;
  gateway: Gateway;
}

export function routes(ctx: RoutesContext): Route[] {
  return [...directoryRoutes(ctx), ...commandRoutes(ctx), ...channelRoutes(ctx), ...interactionRoutes(ctx)];
}

function directoryRoutes({ applicationId, applicationFlags, directory, gateway }: RoutesContext): Route[] {
  const guildOf = (id: string) => directory.guild(id) ?? fail('unknownGuild');
  return [
    route('GET', '/gateway', 'none', () => ok({ url: gateway.url })),
    route('GET', '/gateway/bot', 'bot', () =>
      ok({
        url: gateway.url,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000 - gateway.stats().identifies, reset_after: 86_400_000, max_concurrency: 1 },
      }),
    ),
    route('GET', '/users/@me', 'bot', () => ok({ ...directory.apiUser(directory.bot), verified: true, mfa_enabled: false, flags: 0 })),
    route('GET', '/users/:user', 'bot', ({ params }) => {
      const user = params.user === directory.bot.id ? directory.bot : directory.user(params.user);
      return ok(directory.apiUser(user ?? fail('unknownUser')));
    }),
    route('GET', '/applications/@me', 'bot', () =>
      ok({ id: applicationId, name: directory.bot.username, icon: null, description: '', bot_public: false, bot_require_code_grant: false, flags: applicationFlags, team: null, bot: directory.apiUser(directory.bot) }),
    ),
    route('GET', '/guilds/:guild', 'bot', ({ params }) => ok(directory.apiGuild(guildOf(params.guild)))),
    route('GET', '/guilds/:guild/channels', 'bot', ({ params }) => {
      const guild = guildOf(params.guild);
      return ok(guild.channels.map((c) => directory.apiChannel(guild, c)));
    }),
    route('GET', '/guilds/:guild/roles', 'bot', ({ params }) => ok(guildOf(params.guild).roles.map((r, i) => directory.apiRole(r, i)))),
    route('GET', '/guilds/:guild/members/:user', 'bot', ({ params }) => {
      guildOf(params.guild);
      return ok(directory.apiMember(directory.member(params.guild, params.user) ?? fail('unknownMember')));
    }),
  ];
}

function commandRoutes({ applicationId, directory, commands }: RoutesContext): Route[] {
  // Another application's commands, or a guild the bot is not in: Discord answers "Missing Access".
  const scope = (app: string, guildId?: string): string | undefined => {
    if (app !== applicationId || (guildId !== undefined && !directory.guild(guildId))) throw discordError('missingAccess');
    return guildId;
  };
  const one = (guildId: string | undefined, id: string) => commands.list(guildId).find((c) => c.id === id) ?? fail('unknownCommand');
  return [
    route('GET', '/applications/:app/commands', 'bot', ({ params }) => ok(commands.list(scope(params.app)))),
    route('PUT', '/applications/:app/commands', 'bot', ({ params, body }) => ok(commands.overwrite(body, scope(params.app)))),
    route('POST', '/applications/:app/commands', 'bot', ({ params, body }) => {
      const { command, created } = commands.upsert(body, scope(params.app));
      return { status: created ? 201 : 200, body: command };
    }),
    route('GET', '/applications/:app/commands/:command', 'bot', ({ params }) => ok(one(scope(params.app), params.command))),
    route('DELETE', '/applications/:app/commands/:command', 'bot', ({ params }) => {
      commands.delete(params.command, scope(params.app));
      return noContent();
    }),
    route('GET', '/applications/:app/guilds/:guild/commands', 'bot', ({ params }) => ok(commands.list(scope(params.app, params.guild)))),
    route('PUT', '/applications/:app/guilds/:guild/commands', 'bot', ({ params, body }) => ok(commands.overwrite(body, scope(params.app, params.guild)))),
    route('POST', '/applications/:app/guilds/:guild/commands', 'bot', ({ params, body }) => {
      const { command, created } = commands.upsert(body, scope(params.app, params.guild));
      return { status: created ? 201 : 200, body: command };
    }),
    route('GET', '/applications/:app/guilds/:guild/commands/:command', 'bot', ({ params }) => ok(one(scope(params.app, params.guild), params.command))),
    route('DELETE', '/applications/:app/guilds/:guild/commands/:command', 'bot', ({ params }) => {
      commands.delete(params.command, scope(params.app, params.guild));
      return noContent();
    }),
  ];
}

function channelRoutes({ directory, messages }: RoutesContext): Route[] {
  const channelOf = (id: string) => directory.channel(id) ?? fail('unknownChannel');
  // Ephemeral messages exist only for the user who saw them: the channel API does not know them.
  const messageIn = (channelId: string, messageId: string): StoredMessage => {
    channelOf(channelId);
    const message = messages.get(messageId);
    if (!message || message.channelId !== channelId || message.flags & MESSAGE_FLAGS.ephemeral) throw discordError('unknownMessage');
    return message;
  };
  return [
    route('GET', '/channels/:channel', 'bot', ({ params }) => {
      const { guild, channel } = channelOf(params.channel);
      return ok(directory.apiChannel(guild, channel));
    }),
    route('GET', '/channels/:channel/messages', 'bot', ({ params, query }) => {
      channelOf(params.channel);
      const limit = Math.min(Math.max(Number(query.get('limit') ?? 50) || 50, 1), 100);
      const visible = messages.inChannel(params.channel).filter((m) => !(m.flags & MESSAGE_FLAGS.ephemeral));
      return ok(visible.reverse().slice(0, limit).map((m) => messages.toApi(m)));
    }),
    route('POST', '/channels/:channel/messages', 'bot', ({ params, body, files }) => {
      const { guild } = channelOf(params.channel);
      const data = parseMessageBody(body);
      const fields = messageFields(data, files);
      if (isEmpty(fields)) throw discordError('emptyMessage');
      const replyTo = data.message_reference?.message_id;
      if (replyTo !== undefined && messages.get(replyTo)?.channelId !== params.channel)
        throw formError(['message_reference'], 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      const message = messages.create({
        ...fields,
        guildId: guild.id,
        channelId: params.channel,
        author: directory.bot,
        type: replyTo ? MESSAGE_TYPE.reply : MESSAGE_TYPE.default,
        flags: settableFlags(data.flags) & ~MESSAGE_FLAGS.ephemeral,
        ...(replyTo ? { replyTo } : {}),
      });
      return ok(messages.toApi(message));
    }),
    route('GET', '/channels/:channel/messages/:message', 'bot', ({ params }) => ok(messages.toApi(messageIn(params.channel, params.message)))),
    route('PATCH', '/channels/:channel/messages/:message', 'bot', ({ params, body, files }) => {
      const message = messageIn(params.channel, params.message);
      if (message.author.id !== directory.bot.id) throw discordError('notAuthor');
      return ok(messages.toApi(messages.edit(message.id, parseMessageBody(body), files)));
    }),
    route('DELETE', '/channels/:channel/messages/:message', 'bot', ({ params }) => {
      messages.delete(messageIn(params.channel, params.message).id);
      return noContent();
    }),
    route('POST', '/channels/:channel/typing', 'bot', ({ params }) => {
      channelOf(params.channel);
      return noContent();
    }),
  ];
}

function interactionRoutes({ interactions, webhooks }: RoutesContext): Route[] {
  return [
    route('POST', '/interactions/:id/:token/callback', 'none', ({ params, body, files, receivedAt, query }) =>
      interactions.callback(params.id, params.token, { body, files, receivedAt, withResponse: query.get('with_response') === 'true' }),
    ),
    // One path for both: a channel webhook's id, or an application's id with an interaction token.
    route('POST', '/webhooks/:app/:token', 'none', ({ params, body, files, receivedAt, query }) =>
      webhooks.has(params.app)
        ? webhooks.execute(params.app, params.token, { body, files, wait: query.get('wait') === 'true' })
        : interactions.followUp(params.app, params.token, { body, files, receivedAt }),
    ),
    route('GET', '/webhooks/:app/:token/messages/:message', 'none', ({ params, receivedAt }) =>
      interactions.getMessage(params.app, params.token, params.message, receivedAt),
    ),
    route('PATCH', '/webhooks/:app/:token/messages/:message', 'none', ({ params, body, files, receivedAt }) =>
      interactions.editMessage(params.app, params.token, params.message, { body, files, receivedAt }),
    ),
    route('DELETE', '/webhooks/:app/:token/messages/:message', 'none', ({ params, receivedAt }) =>
      interactions.deleteMessage(params.app, params.token, params.message, receivedAt),
    ),
  ];
}

function fail(name: Parameters<typeof discordError>[0]): never {
  throw discordError(name);
}
