import type { UploadedFile } from './body.js';
import type { Directory } from './directory.js';
import { discordError } from './errors.js';
import { MESSAGE_FLAGS, type MessageBody } from './limits.js';
import { snowflake } from './snowflake.js';
import type { FakeAttachment, FakeMessage, FakeUser } from './types.js';

/** Every message in the fake (the users' and the bot's), kept as immutable records replaced on each edit. */

export const MESSAGE_TYPE = { default: 0, reply: 19, chatInputCommand: 20 } as const;

export interface StoredMessage {
  id: string;
  guildId: string;
  channelId: string;
  author: FakeUser;
  type: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: FakeAttachment[];
  flags: number;
  allowedMentions?: unknown;
  createdAt: number;
  editedAt?: number;
  replyTo?: string;
  /** Set on messages an interaction produced: Discord marks them with the app's webhook and the interaction. */
  interaction?: { id: string; type: number; user: FakeUser };
}
export type MessageEvent = 'create' | 'update' | 'delete';
export type NewMessage = Omit<StoredMessage, 'id' | 'createdAt' | 'editedAt'>;

export class MessageStore {
  readonly #messages = new Map<string, StoredMessage>();

  constructor(
    private readonly directory: Directory,
    private readonly applicationId: string,
    private readonly origin: string,
    private readonly onEvent: (event: MessageEvent, message: StoredMessage) => void,
  ) {}

  get(id: string): StoredMessage | undefined {
    return this.#messages.get(id);
  }

  inChannel(channelId: string): StoredMessage[] {
    return [...this.#messages.values()].filter((m) => m.channelId === channelId);
  }

  create(fields: NewMessage): StoredMessage {
    const message = { ...fields, id: snowflake(), createdAt: Date.now() };
    this.#messages.set(message.id, message);
    this.onEvent('create', message);
    return message;
  }

  /** Applies an edit: only the fields present in the body change, and the "is thinking…" state ends. */
  edit(id: string, body: MessageBody, files: UploadedFile[]): StoredMessage {
    const before = this.#messages.get(id);
    if (!before) throw discordError('unknownMessage');
    const kept = body.attachments ? before.attachments.filter((a) => body.attachments?.some((entry) => String(entry.id) === a.id)) : before.attachments;
    const after: StoredMessage = {
      ...before,
      ...(body.content !== undefined ? { content: body.content ?? '' } : {}),
      ...(body.embeds !== undefined ? { embeds: body.embeds ?? [] } : {}),
      ...(body.components !== undefined ? { components: body.components ?? [] } : {}),
      ...(body.allowed_mentions !== undefined ? { allowedMentions: body.allowed_mentions ?? undefined } : {}),
      attachments: [...kept, ...uploads(body, files)],
      flags: before.flags & ~MESSAGE_FLAGS.loading,
      editedAt: Date.now(),
    };
    if (isEmpty(after)) throw discordError('emptyMessage');
    this.#messages.set(id, after);
    this.onEvent('update', after);
    return after;
  }

  delete(id: string): void {
    const message = this.#messages.get(id);
    if (!message) throw discordError('unknownMessage');
    this.#messages.delete(id);
    this.onEvent('delete', message);
  }

  attachment(channelId: string, attachmentId: string): FakeAttachment | undefined {
    return this.inChannel(channelId)
      .flatMap((m) => m.attachments)
      .find((a) => a.id === attachmentId);
  }

  view(message: StoredMessage): FakeMessage {
    return {
      id: message.id,
      channelId: message.channelId,
      authorId: message.author.id,
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      attachments: message.attachments,
      flags: message.flags,
      allowedMentions: message.allowedMentions,
      createdAt: message.createdAt,
      editedAt: message.editedAt,
      replyTo: message.replyTo,
      interactionId: message.interaction?.id,
    };
  }

  /** The message as REST returns it; gateway events add `guild_id` and `member`. */
  toApi(message: StoredMessage, forGateway = false): Record<string, unknown> {
    const users = [...message.content.matchAll(/<@!?(\d+)>/g)].map((m) => this.directory.user(m[1] ?? ''));
    const member = this.directory.member(message.guildId, message.author.id);
    const referenced = message.replyTo ? this.#messages.get(message.replyTo) : undefined;
    return {
      id: message.id,
      channel_id: message.channelId,
      author: this.directory.apiUser(message.author),
      content: message.content,
      timestamp: new Date(message.createdAt).toISOString(),
      edited_timestamp: message.editedAt ? new Date(message.editedAt).toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: users.filter((u) => u !== undefined).map((u) => this.directory.apiUser(u)),
      mention_roles: [...message.content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]),
      attachments: message.attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        size: a.size,
        url: `${this.origin}/attachments/${message.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
        proxy_url: `${this.origin}/attachments/${message.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
        ...(a.contentType ? { content_type: a.contentType } : {}),
        ...(a.description ? { description: a.description } : {}),
      })),
      embeds: message.embeds,
      components: message.components,
      pinned: false,
      type: message.type,
      flags: message.flags,
      ...(message.interaction
        ? {
            webhook_id: this.applicationId,
            application_id: this.applicationId,
            interaction_metadata: {
              id: message.interaction.id,
              type: message.interaction.type,
              user: this.directory.apiUser(message.interaction.user),
              authorizing_integration_owners: { '0': message.guildId },
            },
          }
        : {}),
      ...(message.replyTo
        ? {
            message_reference: { type: 0, message_id: message.replyTo, channel_id: message.channelId, guild_id: message.guildId },
            referenced_message: referenced ? this.toApi(referenced) : null,
          }
        : {}),
      ...(forGateway ? { guild_id: message.guildId, ...(member ? { member: this.directory.apiMember(member, false) } : {}) } : {}),
    };
  }
}

/** The fields a new message takes from a validated body and its uploaded files. */
export function messageFields(body: MessageBody, files: UploadedFile[]): Pick<StoredMessage, 'content' | 'embeds' | 'components' | 'attachments' | 'allowedMentions'> {
  return {
    content: body.content ?? '',
    embeds: body.embeds ?? [],
    components: body.components ?? [],
    attachments: uploads(body, files),
    allowedMentions: body.allowed_mentions ?? undefined,
  };
}

export function isEmpty(m: Pick<StoredMessage, 'content' | 'embeds' | 'components' | 'attachments'>): boolean {
  return m.content === '' && m.embeds.length === 0 && m.components.length === 0 && m.attachments.length === 0;
}

/** `files[n]` pairs with the payload's `attachments` entry whose id is n (that entry may rename or describe it). */
function uploads(body: MessageBody, files: UploadedFile[]): FakeAttachment[] {
  return files.map((file) => {
    const index = /^files\[(\w+)\]$/.exec(file.field)?.[1];
    const entry = body.attachments?.find((a) => String(a.id) === index);
    const filename = typeof entry?.filename === 'string' ? entry.filename : file.filename;
    return {
      id: snowflake(),
      filename,
      size: file.content.length,
      content: file.content,
      ...(file.contentType ? { contentType: file.contentType } : {}),
      ...(entry?.description ? { description: entry.description } : {}),
    };
  });
}
