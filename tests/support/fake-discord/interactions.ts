import { randomBytes } from 'node:crypto';
import type { UploadedFile } from './body.js';
import type { CommandRegistry } from './commands.js';
import type { Directory } from './directory.js';
import { DiscordHttpError, discordError, formError } from './errors.js';
import { MAX_UPLOAD_BYTES, MESSAGE_FLAGS, parseInteractionCallback, parseMessageBody, settableFlags } from './limits.js';
import { isEmpty, MESSAGE_TYPE, messageFields, type MessageStore, type StoredMessage } from './messages.js';
import { noContent, ok, type RouteResult } from './rest.js';
import { snowflake } from './snowflake.js';
import type { FakeGuild, FakeMember, FakeUser, InteractionResponse, RejectedCall } from './types.js';

/**
 * Interactions from creation to their last webhook edit: the 3-second window for the initial response, one initial
 * response only, the 15-minute token for edits and follow-ups, and which message "@original" is at each step.
 */

export const INTERACTION_TYPE = { command: 2, component: 3, autocomplete: 4 } as const;
const CALLBACK = { reply: 4, deferredReply: 5, deferredUpdate: 6, update: 7, autocompleteResult: 8 } as const;
/** The initial responses Discord accepts for each kind of interaction. */
const ALLOWED_CALLBACKS: Record<number, number[]> = {
  [INTERACTION_TYPE.command]: [CALLBACK.reply, CALLBACK.deferredReply],
  [INTERACTION_TYPE.component]: [CALLBACK.reply, CALLBACK.deferredReply, CALLBACK.deferredUpdate, CALLBACK.update],
  [INTERACTION_TYPE.autocomplete]: [CALLBACK.autocompleteResult],
};
const OPTION_TYPE = { subcommand: 1, subcommandGroup: 2, user: 6, channel: 7, role: 8, mentionable: 9 } as const;

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  createdAt: number;
  guildId: string;
  channelId: string;
  user: FakeUser;
  /** For a component interaction: the message holding the component, which type 6/7 responses act on. */
  componentMessageId?: string;
  response?: InteractionResponse;
  originalMessageId?: string;
  /** "@original" has content: after a reply or update, or the first edit (or follow-up) after a deferral. */
  originalReady: boolean;
  followupIds: string[];
  rejected: RejectedCall[];
}

interface Where {
  guildId: string;
  channelId: string;
  userId: string;
}
export interface InteractionsOptions {
  directory: Directory;
  messages: MessageStore;
  commands: CommandRegistry;
  applicationId: string;
  ackDeadlineMs: number;
  interactionTokenTtlMs: number;
  dispatch(payload: Record<string, unknown>): void;
}

export class Interactions {
  readonly #byId = new Map<string, InteractionRecord>();
  readonly #byToken = new Map<string, InteractionRecord>();

  constructor(private readonly o: InteractionsOptions) {}

  slash(i: Where & { name: string; options?: unknown[] }): InteractionRecord {
    return this.#create(INTERACTION_TYPE.command, i, this.#commandData(i));
  }

  autocomplete(i: Where & { name: string; options: unknown[] }): InteractionRecord {
    if (!hasFocused(i.options))
      throw new Error('fake-discord: an autocomplete needs the option being typed marked with focused: true');
    return this.#create(INTERACTION_TYPE.autocomplete, i, this.#commandData(i));
  }

  button(i: Where & { customId: string; messageId: string }): InteractionRecord {
    const message = this.o.messages.get(i.messageId);
    if (!message || message.channelId !== i.channelId) throw new Error(`fake-discord: no message ${i.messageId} in channel ${i.channelId}`);
    const component = (message.components as { components?: { type?: number; custom_id?: string }[] }[])
      .flatMap((row) => row.components ?? [])
      .find((c) => c.custom_id === i.customId);
    if (component?.type !== 2) throw new Error(`fake-discord: message ${i.messageId} has no button with custom_id ${i.customId}`);
    return this.#create(INTERACTION_TYPE.component, i, { custom_id: i.customId, component_type: 2 }, message);
  }

  callback(id: string, token: string, req: { body: unknown; files: UploadedFile[]; receivedAt: number; withResponse: boolean }): RouteResult {
    const record = this.#byId.get(id);
    if (!record) throw discordError('unknownInteraction');
    if (record.token !== token) throw discordError('invalidWebhookToken');
    return this.#refusing(record, 'callback', req.receivedAt, (afterMs) => {
      if (record.response) throw discordError('alreadyAcknowledged');
      if (afterMs > this.o.ackDeadlineMs) throw discordError('unknownInteraction');
      const callback = parseInteractionCallback(req.body);
      if (!ALLOWED_CALLBACKS[record.type]?.includes(callback.type))
        throw formError(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', `Interaction response type ${callback.type} is not valid for interaction type ${record.type}`);
      const data = 'data' in callback ? callback.data : undefined;
      switch (callback.type) {
        case CALLBACK.reply:
          this.#reply(record, parseMessageBody(data, ['data']), req.files);
          break;
        case CALLBACK.deferredReply:
          record.originalMessageId = this.#post(record, {
            content: '',
            embeds: [],
            components: [],
            attachments: [],
            flags: MESSAGE_FLAGS.loading | (settableFlags(callback.data?.flags) & MESSAGE_FLAGS.ephemeral),
          }).id;
          break;
        case CALLBACK.deferredUpdate:
          record.originalMessageId = record.componentMessageId;
          break;
        case CALLBACK.update:
          record.originalMessageId = this.o.messages.edit(record.componentMessageId ?? '', parseMessageBody(data, ['data']), req.files).id;
          record.originalReady = true;
          break;
      }
      record.response = { type: callback.type, ...(data !== undefined ? { data } : {}), afterMs };
      return req.withResponse ? ok(this.#callbackResponse(record)) : noContent();
    });
  }

  /**
   * POST /webhooks/{app}/{token}: a follow-up (always answered as with `wait=true`), except right after a deferral:
   * there Discord edits the "is thinking…" message instead, keeping its ephemeral flag (deprecated, still live).
   */
  followUp(app: string, token: string, req: { body: unknown; files: UploadedFile[]; receivedAt: number }): RouteResult {
    const record = this.#byWebhook(app, token);
    return this.#refusing(record, 'webhook', req.receivedAt, () => {
      this.#checkToken(record, req.receivedAt);
      if (!record.response) throw discordError('unknownWebhook');
      const body = parseMessageBody(req.body);
      const original = record.originalMessageId ? this.o.messages.get(record.originalMessageId) : undefined;
      let message: StoredMessage;
      if (record.response.type === CALLBACK.deferredReply && original && original.flags & MESSAGE_FLAGS.loading) {
        message = this.o.messages.edit(original.id, body, req.files);
        record.originalReady = true;
      } else {
        const fields = messageFields(body, req.files);
        if (isEmpty(fields)) throw discordError('emptyMessage');
        message = this.#post(record, { ...fields, flags: settableFlags(body.flags) });
        record.followupIds.push(message.id);
      }
      return ok(this.o.messages.toApi(message));
    });
  }

  getMessage(app: string, token: string, messageId: string, receivedAt: number): RouteResult {
    const record = this.#byWebhook(app, token);
    return this.#refusing(record, 'webhook', receivedAt, () => {
      this.#checkToken(record, receivedAt);
      return ok(this.o.messages.toApi(this.#message(record, messageId)));
    });
  }

  editMessage(app: string, token: string, messageId: string, req: { body: unknown; files: UploadedFile[]; receivedAt: number }): RouteResult {
    const record = this.#byWebhook(app, token);
    return this.#refusing(record, 'webhook', req.receivedAt, () => {
      this.#checkToken(record, req.receivedAt);
      const target = this.#message(record, messageId);
      const edited = this.o.messages.edit(target.id, parseMessageBody(req.body), req.files);
      if (target.id === record.originalMessageId) record.originalReady = true;
      return ok(this.o.messages.toApi(edited));
    });
  }

  deleteMessage(app: string, token: string, messageId: string, receivedAt: number): RouteResult {
    const record = this.#byWebhook(app, token);
    return this.#refusing(record, 'webhook', receivedAt, () => {
      this.#checkToken(record, receivedAt);
      this.o.messages.delete(this.#message(record, messageId).id);
      return noContent();
    });
  }

  #create(type: number, where: Where, data: Record<string, unknown>, componentMessage?: StoredMessage): InteractionRecord {
    const { directory } = this.o;
    const member = directory.requireMember(where.guildId, where.channelId, where.userId);
    const found = directory.channel(where.channelId);
    if (!found) throw new Error(`fake-discord: unknown channel ${where.channelId}`);
    const { guild, channel } = found;
    const bot = directory.member(guild.id, directory.bot.id);
    const record: InteractionRecord = {
      id: snowflake(),
      // Real tokens are long opaque strings; discord.js puts them in URLs as they are.
      token: `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`,
      type,
      createdAt: Date.now(),
      guildId: guild.id,
      channelId: channel.id,
      user: member.user,
      ...(componentMessage ? { componentMessageId: componentMessage.id } : {}),
      originalReady: false,
      followupIds: [],
      rejected: [],
    };
    this.#byId.set(record.id, record);
    this.#byToken.set(record.token, record);
    this.o.dispatch({
      id: record.id,
      application_id: this.o.applicationId,
      type,
      token: record.token,
      version: 1,
      guild_id: guild.id,
      channel_id: channel.id,
      channel: directory.apiChannel(guild, channel),
      guild: { id: guild.id, locale: 'en-US', features: [] },
      member: { ...directory.apiMember(member), permissions: directory.permissions(guild, member) },
      data,
      ...(componentMessage ? { message: this.o.messages.toApi(componentMessage) } : {}),
      app_permissions: bot ? directory.permissions(guild, bot) : '0',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guild.id },
      context: 0,
      attachment_size_limit: MAX_UPLOAD_BYTES,
    });
    return record;
  }

  /** `data` of a command or autocomplete interaction: the registered command's id, the options as given, and `resolved`. */
  #commandData(i: Where & { name: string; options?: unknown[] }): Record<string, unknown> {
    const command = this.o.commands.resolve(i.name, i.guildId);
    if (!command) throw new Error(`fake-discord: /${i.name} is not registered (globally or in guild ${i.guildId}); Discord would not show it`);
    const guild = this.o.directory.guild(i.guildId);
    const resolved = guild && i.options ? this.#resolved(guild, i.options) : undefined;
    return {
      id: command.id,
      name: command.name,
      type: 1,
      ...(command.guild_id ? { guild_id: command.guild_id } : {}),
      ...(i.options ? { options: i.options } : {}),
      ...(resolved ? { resolved } : {}),
    };
  }

  /** Discord sends the users, members, roles and channels that options refer to; discord.js reads them from `resolved`. */
  #resolved(guild: FakeGuild, options: unknown[]): Record<string, Record<string, unknown>> | undefined {
    const { directory } = this.o;
    const resolved: Record<string, Record<string, unknown>> = { users: {}, members: {}, roles: {}, channels: {} };
    const add = (member: FakeMember) => {
      resolved.users![member.user.id] = directory.apiUser(member.user);
      resolved.members![member.user.id] = { ...directory.apiMember(member, false), permissions: directory.permissions(guild, member) };
    };
    const visit = (list: unknown[]): void => {
      for (const option of list as { type?: number; value?: unknown; options?: unknown[] }[]) {
        if (option.type === OPTION_TYPE.subcommand || option.type === OPTION_TYPE.subcommandGroup) visit(option.options ?? []);
        const id = String(option.value);
        const member = guild.members.find((m) => m.user.id === id);
        const role = guild.roles.find((r) => r.id === id);
        const channel = guild.channels.find((c) => c.id === id);
        if ((option.type === OPTION_TYPE.user || option.type === OPTION_TYPE.mentionable) && member) add(member);
        if ((option.type === OPTION_TYPE.role || option.type === OPTION_TYPE.mentionable) && role) resolved.roles![id] = directory.apiRole(role, guild.roles.indexOf(role));
        if (option.type === OPTION_TYPE.channel && channel) resolved.channels![id] = { id, name: channel.name, type: 0, permissions: '0' };
      }
    };
    visit(options);
    const present = Object.entries(resolved).filter(([, map]) => Object.keys(map).length > 0);
    return present.length ? Object.fromEntries(present) : undefined;
  }

  #reply(record: InteractionRecord, body: ReturnType<typeof parseMessageBody>, files: UploadedFile[]): void {
    const fields = messageFields(body, files);
    if (isEmpty(fields)) throw discordError('emptyMessage');
    record.originalMessageId = this.#post(record, { ...fields, flags: settableFlags(body.flags) }).id;
    record.originalReady = true;
  }

  #post(record: InteractionRecord, fields: Pick<StoredMessage, 'content' | 'embeds' | 'components' | 'attachments' | 'flags' | 'allowedMentions'>): StoredMessage {
    return this.o.messages.create({
      ...fields,
      guildId: record.guildId,
      channelId: record.channelId,
      author: this.o.directory.bot,
      type: record.type === INTERACTION_TYPE.command ? MESSAGE_TYPE.chatInputCommand : MESSAGE_TYPE.default,
      interaction: { id: record.id, type: record.type, user: record.user },
    });
  }

  /** The body of a callback sent with `?with_response=true` (discord.js `withResponse`); the message only for types 4 and 7. */
  #callbackResponse(record: InteractionRecord): Record<string, unknown> {
    const message = record.originalMessageId ? this.o.messages.get(record.originalMessageId) : undefined;
    const withMessage = record.response?.type === CALLBACK.reply || record.response?.type === CALLBACK.update;
    return {
      interaction: {
        id: record.id,
        type: record.type,
        response_message_id: message?.id,
        response_message_loading: Boolean(message && message.flags & MESSAGE_FLAGS.loading),
        response_message_ephemeral: Boolean(message && message.flags & MESSAGE_FLAGS.ephemeral),
      },
      resource: { type: record.response?.type, ...(message && withMessage ? { message: this.o.messages.toApi(message) } : {}) },
    };
  }

  #byWebhook(app: string, token: string): InteractionRecord {
    const record = this.#byToken.get(token);
    if (!record || app !== this.o.applicationId) throw discordError('unknownWebhook');
    return record;
  }

  /** Tokens last 15 minutes, and die with the interaction if it was not acknowledged in time. */
  #checkToken(record: InteractionRecord, receivedAt: number): void {
    const age = receivedAt - record.createdAt;
    if (age > this.o.interactionTokenTtlMs || (!record.response && age > this.o.ackDeadlineMs)) throw discordError('invalidWebhookToken');
  }

  /** "@original" or the id of one of the interaction's own messages. */
  #message(record: InteractionRecord, messageId: string): StoredMessage {
    const id = messageId === '@original' ? record.originalMessageId : messageId;
    const mine = id !== undefined && (id === record.originalMessageId || record.followupIds.includes(id));
    const message = mine ? this.o.messages.get(id) : undefined;
    if (!message) throw discordError('unknownMessage');
    return message;
  }

  /** Runs a call on behalf of an interaction, remembering refusals so tests can assert on them. */
  #refusing(record: InteractionRecord, kind: RejectedCall['kind'], receivedAt: number, run: (afterMs: number) => RouteResult): RouteResult {
    const afterMs = receivedAt - record.createdAt;
    try {
      return run(afterMs);
    } catch (error) {
      if (error instanceof DiscordHttpError) record.rejected.push({ status: error.status, code: error.body.code, afterMs, kind });
      throw error;
    }
  }
}

function hasFocused(options: unknown[]): boolean {
  return (options as { focused?: boolean; options?: unknown[] }[]).some((o) => o.focused === true || hasFocused(o.options ?? []));
}
