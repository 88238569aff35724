import { randomBytes } from 'node:crypto';
import type { UploadedFile } from './body.js';
import type { Directory } from './directory.js';
import { discordError } from './errors.js';
import { parseMessageBody } from './limits.js';
import { isEmpty, messageFields, MESSAGE_TYPE, type MessageStore, type StoredMessage } from './messages.js';
import { noContent, ok, type RouteResult } from './rest.js';
import { snowflake } from './snowflake.js';

/**
 * Channel webhooks (incoming webhooks): what a channel's "Integrations → Webhooks" URL accepts, as Alertmanager's
 * Discord receiver posts to it. POST /webhooks/{id}/{token} with the message limits of any message; 204 without
 * `?wait=true`, the message with it. The webhook's messages are authored by the webhook, not the bot.
 */

interface Webhook {
  id: string;
  token: string;
  name: string;
  guildId: string;
  channelId: string;
}

export class ChannelWebhooks {
  readonly #byId = new Map<string, Webhook>();

  constructor(
    private readonly directory: Directory,
    private readonly messages: MessageStore,
  ) {}

  create(channelId: string, name: string): Webhook {
    const found = this.directory.channel(channelId);
    if (!found) throw new Error(`no channel ${channelId} in the fake`);
    const webhook = { id: snowflake(), token: randomBytes(32).toString('base64url'), name, guildId: found.guild.id, channelId };
    this.#byId.set(webhook.id, webhook);
    return webhook;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  execute(id: string, token: string, req: { body: unknown; files: UploadedFile[]; wait: boolean }): RouteResult {
    const webhook = this.#byId.get(id);
    if (!webhook) throw discordError('unknownWebhook');
    if (webhook.token !== token) throw discordError('invalidWebhookToken');
    const fields = messageFields(parseMessageBody(req.body), req.files);
    if (isEmpty(fields)) throw discordError('emptyMessage');
    const message = this.messages.create({
      ...fields,
      guildId: webhook.guildId,
      channelId: webhook.channelId,
      author: { id: webhook.id, username: webhook.name, bot: true },
      type: MESSAGE_TYPE.default,
      flags: 0,
    });
    return req.wait ? ok(this.messages.toApi(message)) : noContent();
  }

  /** The webhook's messages, oldest first. */
  sent(id: string): StoredMessage[] {
    return this.messages.inChannel(this.#byId.get(id)?.channelId ?? '').filter((m) => m.author.id === id);
  }
}
