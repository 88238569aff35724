import { snowflake } from './snowflake.js';
import type { FakeGuild, FakeMember, FakeRole, FakeUser } from './types.js';

/** The guilds the bot is in, and their users, members, channels and roles in Discord's wire shapes. */

const PERMISSIONS = {
  addReactions: 1n << 6n,
  viewChannel: 1n << 10n,
  sendMessages: 1n << 11n,
  embedLinks: 1n << 14n,
  attachFiles: 1n << 15n,
  readMessageHistory: 1n << 16n,
  useApplicationCommands: 1n << 31n,
  administrator: 1n << 3n,
} as const;
const EVERYONE_DEFAULT = [
  PERMISSIONS.addReactions,
  PERMISSIONS.viewChannel,
  PERMISSIONS.sendMessages,
  PERMISSIONS.embedLinks,
  PERMISSIONS.attachFiles,
  PERMISSIONS.readMessageHistory,
  PERMISSIONS.useApplicationCommands,
].reduce((all, bit) => all | bit, 0n);
const GUILD_TEXT = 0;
const JOINED_AT = new Date('2024-01-01T00:00:00Z').toISOString();

export function defaultGuild(): FakeGuild {
  const ids = Array.from({ length: 7 }, () => snowflake());
  const [guild, ops, alerts, operator, admin, alice, bob] = ids as [string, string, string, string, string, string, string];
  return {
    id: guild,
    name: 'fleet-ops',
    channels: [
      { id: ops, name: 'ops' },
      { id: alerts, name: 'alerts' },
    ],
    roles: [
      { id: operator, name: 'operator' },
      { id: admin, name: 'admin' },
    ],
    members: [
      { user: { id: alice, username: 'alice' }, roles: [operator] },
      { user: { id: bob, username: 'bob' }, roles: [] },
    ],
  };
}

export class Directory {
  readonly guilds: FakeGuild[];
  readonly #botRoles = new Set<string>();

  /**
   * Completes each guild the way Discord has it: an @everyone role whose id is the guild's, and the bot as a member
   * holding its managed role (administrator), so discord.js finds `guild.members.me` and its permissions.
   */
  constructor(
    guilds: FakeGuild[],
    readonly bot: FakeUser,
  ) {
    this.guilds = guilds.map((g) => {
      const everyone = g.roles.some((r) => r.id === g.id) ? [] : [{ id: g.id, name: '@everyone', permissions: EVERYONE_DEFAULT.toString() }];
      const botRole = { id: snowflake(), name: bot.username, permissions: PERMISSIONS.administrator.toString() };
      this.#botRoles.add(botRole.id);
      const botMember = g.members.some((m) => m.user.id === bot.id) ? [] : [{ user: bot, roles: [botRole.id] }];
      return { ...g, roles: [...everyone, ...g.roles, botRole], members: [...g.members, ...botMember] };
    });
  }

  guild(id: string): FakeGuild | undefined {
    return this.guilds.find((g) => g.id === id);
  }

  channel(id: string): { guild: FakeGuild; channel: FakeGuild['channels'][number] } | undefined {
    for (const guild of this.guilds) {
      const channel = guild.channels.find((c) => c.id === id);
      if (channel) return { guild, channel };
    }
    return undefined;
  }

  member(guildId: string, userId: string): FakeMember | undefined {
    return this.guild(guildId)?.members.find((m) => m.user.id === userId);
  }

  user(id: string): FakeUser | undefined {
    return this.guilds.flatMap((g) => g.members).find((m) => m.user.id === id)?.user;
  }

  /** Throws (a mistake in the test, not a Discord error) unless the user is a member of the guild and the channel is in it. */
  requireMember(guildId: string, channelId: string, userId: string): FakeMember {
    if (this.channel(channelId)?.guild.id !== guildId) throw new Error(`fake-discord: channel ${channelId} is not in guild ${guildId}`);
    const member = this.member(guildId, userId);
    if (!member) throw new Error(`fake-discord: user ${userId} is not a member of guild ${guildId}`);
    return member;
  }

  /** Members for a gateway request (op 8): by ids, or by username prefix; limit 0 means all. */
  searchMembers(guildId: string, { query, userIds, limit }: { query?: string; userIds?: string[]; limit: number }): { members: unknown[]; notFound: string[] } {
    const all = this.guild(guildId)?.members ?? [];
    const found = userIds
      ? all.filter((m) => userIds.includes(m.user.id))
      : all.filter((m) => m.user.username.toLowerCase().startsWith((query ?? '').toLowerCase()));
    return {
      members: found.slice(0, limit || undefined).map((m) => this.apiMember(m)),
      notFound: (userIds ?? []).filter((id) => !all.some((m) => m.user.id === id)),
    };
  }

  permissions(guild: FakeGuild, member: FakeMember): string {
    const bits = guild.roles
      .filter((r) => r.id === guild.id || member.roles.includes(r.id))
      .reduce((all, role) => all | BigInt(role.permissions ?? '0'), 0n);
    return bits.toString();
  }

  apiUser(user: FakeUser): Record<string, unknown> {
    return { id: user.id, username: user.username, discriminator: '0', global_name: null, avatar: null, bot: user.bot ?? false, public_flags: 0 };
  }

  /** Messages and interactions carry the member without `user` next to `author`/`user`; REST and GUILD_CREATE include it. */
  apiMember(member: FakeMember, withUser = true): Record<string, unknown> {
    return {
      ...(withUser ? { user: this.apiUser(member.user) } : {}),
      nick: null,
      avatar: null,
      roles: member.roles,
      joined_at: JOINED_AT,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
  }

  apiRole(role: FakeRole, position: number): Record<string, unknown> {
    const managed = this.#botRoles.has(role.id);
    return {
      id: role.id,
      name: role.name,
      color: 0,
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position,
      permissions: role.permissions ?? '0',
      managed,
      mentionable: false,
      flags: 0,
      ...(managed ? { tags: { bot_id: this.bot.id } } : {}),
    };
  }

  apiChannel(guild: FakeGuild, channel: FakeGuild['channels'][number]): Record<string, unknown> {
    return {
      id: channel.id,
      type: GUILD_TEXT,
      guild_id: guild.id,
      name: channel.name,
      position: guild.channels.indexOf(channel),
      permission_overwrites: [],
      topic: null,
      nsfw: false,
      rate_limit_per_user: 0,
      parent_id: null,
      last_message_id: null,
    };
  }

  /** The guild as REST (`GET /guilds/{id}`) returns it: no channels or members. */
  apiGuild(guild: FakeGuild): Record<string, unknown> {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: guild.members.find((m) => m.user.id !== this.bot.id)?.user.id ?? this.bot.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: guild.roles.map((r, i) => this.apiRole(r, i)),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
    };
  }

  /** GUILD_CREATE: the full guild, with channels and members, that discord.js waits for after READY. */
  guildCreate(guild: FakeGuild): Record<string, unknown> {
    return {
      ...this.apiGuild(guild),
      unavailable: false,
      joined_at: JOINED_AT,
      large: false,
      member_count: guild.members.length,
      channels: guild.channels.map((c) => this.apiChannel(guild, c)),
      members: guild.members.map((m) => this.apiMember(m)),
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }
}
