import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Guild,
  type GuildMember,
  type APIInteractionGuildMember,
  type Message,
  type User,
} from 'discord.js';
import { argSpecs, type Reply } from '../../commands/index.js';
import type { DiscordConfig } from '../../config/index.js';
import type { RedisHub } from '../../redis/hub.js';
import { highestGrant, type Caller, type Permission } from '../../security/permissions.js';
import type { Logger } from '../../telemetry/logger.js';
import { CONFIRM_TTL_MS } from '../confirmations.js';
import type { CommandRequest, Outcome, PendingConfirmation } from '../dispatch.js';
import type { Roads } from '../surface.js';
import { didYouMean } from '../suggest.js';
import { NO_PINGS, renderReply, type DiscordMessage } from './render.js';
import { slashCommands } from './slash-commands.js';

/**
 * The Discord transport: slash commands, `!` messages, Confirm/Cancel buttons and member autocomplete, all through
 * the dispatcher. Anything that can refuse is checked before the reply is deferred, so refusals are private and
 * immediate; work that waits on a job is deferred at once, well inside Discord's 3-second deadline.
 * Side effects: a gateway connection and REST calls to Discord; Redis keys for interaction de-duplication.
 */

export interface DiscordTransportOptions {
  config: DiscordConfig;
  bot: Roads;
  hub: RedisHub;
  log: Logger;
  /** discord.js client options for tests (e.g. a fast identify throttler against a local fake). */
  clientOptions?: Partial<ConstructorParameters<typeof Client>[0]>;
}

const PREFIX = 'fb';

function roleIds(member: GuildMember | APIInteractionGuildMember | null | undefined): string[] {
  if (!member) return [];
  return Array.isArray(member.roles) ? member.roles : [...(member as GuildMember).roles.cache.keys()];
}

function optionArgs(options: readonly CommandInteractionOption[]): Record<string, unknown> {
  return Object.fromEntries(options.filter((o) => o.value !== undefined).map((o) => [o.name, o.value]));
}

export class DiscordTransport {
  readonly client: Client;

  constructor(private readonly options: DiscordTransportOptions) {
    const { config } = options;
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
      // Only fleetbot's own replies may mention; echoed text never pings.
      allowedMentions: NO_PINGS,
      ...options.clientOptions,
      rest: { ...(config.apiUrl ? { api: config.apiUrl } : {}), ...options.clientOptions?.rest },
    });
    this.client.on(Events.InteractionCreate, (interaction) => {
      void this.guard(`interaction ${interaction.id}`, async () => {
        if (!(await this.firstTime(interaction.id))) return;
        if (interaction.isChatInputCommand()) await this.onSlash(interaction);
        else if (interaction.isButton() && interaction.customId.startsWith(`${PREFIX}:`)) await this.onButton(interaction);
        else if (interaction.isAutocomplete()) await this.onAutocomplete(interaction);
      });
    });
    this.client.on(Events.MessageCreate, (message) => {
      if (message.author.bot || !message.inGuild()) return;
      const bang = message.content.startsWith('!');
      const forUs = bang || config.chatChannels.includes(message.channelId) || (!!this.client.user && message.mentions.users.has(this.client.user.id));
      if (!forUs) return;
      void this.guard(`message ${message.id}`, async () => {
        if (!(await this.firstTime(message.id))) return;
        if (bang) await this.onBang(message);
        else await this.onChat(message);
      });
    });
    this.client.on(Events.Error, (error) => options.log.warn('discord client error', { error }));
    this.client.on(Events.ShardResume, (shard, replayed) => options.log.info('gateway resumed', { shard, replayed }));
  }

  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.options.config.token);
    await ready;
    const definitions = slashCommands(this.options.bot.dispatcher.commands);
    const guildId = this.options.config.guildId;
    if (guildId) await this.client.application!.commands.set(definitions, guildId);
    else await this.client.application!.commands.set(definitions);
    this.options.log.info('discord ready', { user: this.client.user?.tag, commands: definitions.length, scope: guildId ? `guild ${guildId}` : 'global' });
  }

  async stop(): Promise<void> {
    await this.client.destroy();
  }

  /** Posts to a channel (the notifier's way out). Rejections surface as DiscordAPIError. */
  async post(channelId: string, message: DiscordMessage): Promise<void> {
    const channel = await this.client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} is not a text channel fleetbot can post in`);
    await channel.send(message);
  }

  /** Nothing a user does may crash the bot: a failure is logged, and the user told if we still can. */
  private async guard(what: string, body: () => Promise<void>) {
    try {
      await body();
    } catch (error) {
      this.options.log.error('discord handler failed', { what, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** One interaction or message is handled once, even if a resumed gateway or a second bot delivers it again. */
  private async firstTime(id: string): Promise<boolean> {
    return (await this.options.hub.client.set(this.options.hub.key('seen', id), '1', 'PX', CONFIRM_TTL_MS, 'NX')) === 'OK';
  }

  private caller(user: User, roles: string[], guild: Guild | null): Caller {
    const { grants, defaultPermission } = this.options.config;
    const hint = (level: Permission) => {
      const names = grants[level].roles.map((id) => guild?.roles.cache.get(id)?.name ?? id).map((n) => `\`${n}\``);
      return names.length ? `the ${names.join(' or ')} role` : `the \`${level}\` permission (ask a fleetbot admin)`;
    };
    return {
      id: user.id,
      name: user.username,
      permission: highestGrant(grants, user.id, roles, defaultPermission),
      via: 'discord',
      grantHint: { read: hint('read'), operate: hint('operate'), admin: hint('admin') },
    };
  }

  /** Confirm / Cancel for a pending request (or one button, e.g. Execute); custom ids carry its random id only. */
  buttons(id: string, label = 'Confirm', cancel = true) {
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId(`${PREFIX}:confirm:${id}`).setLabel(label).setStyle(ButtonStyle.Danger));
    if (cancel) row.addComponents(new ButtonBuilder().setCustomId(`${PREFIX}:cancel:${id}`).setLabel('Cancel').setStyle(ButtonStyle.Secondary));
    return [row];
  }

  /** A pending confirmation as a message with Confirm / Cancel: who asked (or that the model proposed it), and until when. */
  private confirmation(c: PendingConfirmation): DiscordMessage {
    const expires = Math.floor(c.expiresAt / 1000);
    const who = c.proposed ? `proposed by the assistant while answering <@${c.askedBy.id}> — nobody typed this change` : `asked by <@${c.askedBy.id}>`;
    const why = [c.warning && `\nnote: ${c.warning}`, c.reason && `\nwhy: ${c.reason}`].filter(Boolean).join('');
    return {
      embeds: [{ title: c.question, description: `${who}${why}\nneeds \`${c.mayAnswer}\` — confirm before <t:${expires}:t>`, color: 0xe67e22 }],
      components: this.buttons(c.id),
      allowedMentions: NO_PINGS,
    };
  }

  /**
   * What the dispatcher decided, rendered: a refusal privately and at once; a confirmation with its buttons; and a
   * request ready to run acknowledged first (`ack`), so a slow job never misses Discord's 3-second deadline.
   */
  private async render(outcome: Outcome, send: { refuse(m: DiscordMessage): Promise<unknown>; reply(m: DiscordMessage): Promise<unknown>; ack(): Promise<unknown>; answer(m: DiscordMessage): Promise<unknown> }) {
    if (outcome.kind === 'refused') await send.refuse(renderReply(outcome.reply));
    else if (outcome.kind === 'confirm') await send.reply(this.confirmation(outcome.confirmation));
    else {
      await send.ack();
      await send.answer(renderReply(await outcome.run()));
    }
  }

  /** Plain words: a "thinking…" reply at once, edited as tools run, then the answer (with buttons for a change). */
  private async onChat(message: Message<true>) {
    const { chat } = this.options.bot;
    const caller = this.caller(message.author, [...(message.member?.roles.cache.keys() ?? [])], message.guild);
    const text = message.content.replace(/<@!?\d+>/g, ' ').trim();
    const placeholder = await message.reply({ content: 'thinking…', allowedMentions: { ...NO_PINGS, repliedUser: false } });
    let shown = 0;
    const progress = (note: string) => {
      // At most one edit a second: the answer matters more than the commentary.
      if (Date.now() - shown < 1000) return;
      shown = Date.now();
      void placeholder.edit({ content: `thinking… ${note}` }).catch(() => {});
    };
    const { reply, confirmation } = await chat.turn(text, caller, message.channelId, progress);
    await placeholder.edit({ content: '', ...(confirmation ? this.confirmation(confirmation) : { ...renderReply(reply), components: [] }) });
  }

  private async onSlash(interaction: ChatInputCommandInteraction) {
    const { dispatcher } = this.options.bot;
    const request: CommandRequest = {
      caller: this.caller(interaction.user, roleIds(interaction.member), interaction.guild),
      channel: interaction.channelId,
      command: interaction.commandName,
      args: optionArgs(interaction.options.data),
      origin: 'shared',
    };
    await this.render(await dispatcher.prepare(request), {
      refuse: (m) => interaction.reply({ ...m, flags: MessageFlags.Ephemeral }),
      reply: (m) => interaction.reply(m),
      ack: () => interaction.deferReply(),
      answer: (m) => interaction.editReply(m),
    });
  }

  private async onBang(message: Message<true>) {
    const { dispatcher } = this.options.bot;
    const caller = this.caller(message.author, [...(message.member?.roles.cache.keys() ?? [])], message.guild);
    const parsed = dispatcher.parseLine(message.content, caller, message.channelId, 'shared');
    const respond = (reply: DiscordMessage) => message.reply({ ...reply, allowedMentions: { ...NO_PINGS, repliedUser: false } });
    if ('tone' in parsed) {
      // `!` is shared with other bots: stay quiet about words that are not near one of our commands.
      const word = message.content.slice(1).split(/\s/, 1)[0] ?? '';
      if (dispatcher.command(word.toLowerCase()) || didYouMean(word, dispatcher.commands.map((c) => c.name))) await respond(renderReply(parsed));
      return;
    }
    await this.render(await dispatcher.prepare(parsed), {
      refuse: respond,
      reply: respond,
      ack: () => message.channel.sendTyping().catch(() => {}),
      answer: respond,
    });
  }

  private async onButton(interaction: ButtonInteraction) {
    const [, action, id = ''] = interaction.customId.split(':');
    const presser = this.caller(interaction.user, roleIds(interaction.member), interaction.guild);
    const answer = await this.options.bot.dispatcher.answer(id, presser, action === 'cancel' ? 'cancel' : 'confirm');
    const ephemeral = (reply: Reply) => interaction.reply({ ...renderReply(reply), flags: MessageFlags.Ephemeral });
    switch (answer.kind) {
      case 'expired':
        await interaction.update({ embeds: [{ title: 'This confirmation has expired — ask again', color: 0x95a5a6 }], components: [] });
        return;
      case 'refused':
        await ephemeral(answer.reply);
        return;
      case 'already-answered':
        await ephemeral({ tone: 'info', title: 'already answered' });
        return;
      case 'cancelled':
        await interaction.update({ embeds: [{ title: `Cancelled by ${presser.name}`, color: 0x95a5a6 }], components: [], allowedMentions: NO_PINGS });
        return;
      case 'confirmed':
        await interaction.deferUpdate();
        await interaction.editReply({ ...renderReply(await answer.run()), components: [] });
    }
  }

  private async onAutocomplete(interaction: AutocompleteInteraction) {
    const { dispatcher } = this.options.bot;
    const focused = interaction.options.getFocused(true);
    const command = dispatcher.command(interaction.commandName);
    const spec = command && argSpecs(command).find((s) => s.name === focused.name);
    if (spec?.complete !== 'member') {
      await interaction.respond([]);
      return;
    }
    const typed = String(focused.value).toLowerCase();
    const names = dispatcher.fleet.members.map((m) => m.name);
    const matches = names
      .filter((n) => n.includes(typed))
      .sort((a, b) => Number(b.startsWith(typed)) - Number(a.startsWith(typed)) || a.localeCompare(b))
      .slice(0, 25);
    await interaction.respond(matches.map((name) => ({ name, value: name })));
  }
}
