import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Routes,
  type Interaction,
  type Message,
} from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientOptionsFor, startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../support/fake-discord/index.js';

/**
 * The real discord.js client against tests/support/fake-discord. The bot here is a few handlers written for these
 * tests (not fleetbot's transport): it shows the fake speaks enough Discord for unmodified discord.js.
 */

const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent];
const LOG = Buffer.from(Array.from({ length: 200 }, (_, i) => `2025-01-01T00:00:${String(i % 60).padStart(2, '0')}Z price-feed tick ${i}`).join('\n'));
const COMMANDS = [
  { name: 'status', description: 'Health of a fleet member', options: [{ type: 3, name: 'member', description: 'Fleet member', required: false }] },
  { name: 'restart', description: 'Restart a fleet member' },
  { name: 'logs', description: 'Recent logs of a fleet member', options: [{ type: 3, name: 'member', description: 'Fleet member', required: true, autocomplete: true }] },
  { name: 'slow', description: 'Answers too late' },
  {
    name: 'fleet',
    description: 'Fleet operations',
    options: [
      {
        type: 1,
        name: 'restart',
        description: 'Restart a fleet member',
        options: [
          { type: 3, name: 'member', description: 'Fleet member', required: true },
          { type: 6, name: 'notify', description: 'Who to tell', required: false },
        ],
      },
    ],
  },
];

const running: { client: Client; fake: FakeDiscord }[] = [];

async function start(options: FakeDiscordOptions = {}, bot: (client: Client) => void = () => {}, intents = INTENTS) {
  const fake = await startFakeDiscord(options);
  const client = new Client({ intents, ...clientOptionsFor(fake) });
  running.push({ client, fake });
  bot(client);
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
  const guild = fake.guilds[0]!;
  const ids = {
    guild: guild.id,
    ops: guild.channels.find((c) => c.name === 'ops')!.id,
    alice: guild.members.find((m) => m.user.username === 'alice')!.user.id,
    operatorRole: guild.roles.find((r) => r.name === 'operator')!.id,
  };
  await client.guilds.cache.get(ids.guild)!.commands.set(COMMANDS);
  return { fake, client, ids };
}

/** Interaction handlers that record what they saw and every error discord.js surfaced. */
function onInteraction(client: Client, handler: (i: Interaction) => Promise<unknown>): { seen: string[]; errors: unknown[] } {
  const log = { seen: [] as string[], errors: [] as unknown[] };
  client.on(Events.InteractionCreate, (interaction) => {
    log.seen.push(interaction.id);
    handler(interaction).catch((error: unknown) => log.errors.push(error));
  });
  return log;
}

async function rejection(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let baseline: string[];
beforeAll(() => {
  baseline = process.getActiveResourcesInfo();
});

afterEach(async () => {
  for (const { client, fake } of running.splice(0)) {
    await client.destroy();
    await fake.close();
  }
});

/**
 * No open handles: every client and fake is closed, so nothing (socket, server, timer) outlives the tests. Compared as
 * "nothing beyond the baseline": a timer of the runner's that was pending at the start may have fired since.
 */
afterAll(async () => {
  const beyondBaseline = () => {
    const pool = [...baseline];
    return process.getActiveResourcesInfo().filter((resource) => {
      const at = pool.indexOf(resource);
      if (at === -1) return true;
      pool.splice(at, 1);
      return false;
    });
  };
  await waitFor(() => (beyondBaseline().length === 0 ? true : undefined), 'handles to close', 1000).catch(() => undefined);
  expect(beyondBaseline()).toEqual([]);
});

describe('fake Discord with the real discord.js client', () => {
  it('GIVEN the fake THEN discord.js logs in, caches the guild, and registers guild and global commands', async () => {
    const { fake, client, ids } = await start();
    await fake.ready();
    const guild = client.guilds.cache.get(ids.guild)!;
    expect(client.user?.id).toBe(fake.botUserId);
    expect(client.application?.id).toBe(fake.applicationId);
    expect(guild.channels.cache.get(ids.ops)?.name).toBe('ops');
    expect(guild.members.me?.id).toBe(fake.botUserId);
    expect(guild.members.cache.get(ids.alice)?.roles.cache.has(ids.operatorRole)).toBe(true);
    expect((await guild.members.fetch()).size).toBe(fake.guilds[0]!.members.length);
    expect((await client.channels.fetch(ids.ops, { force: true }))?.id).toBe(ids.ops);
    expect(fake.gatewayStats()).toEqual({ identifies: 1, resumes: 0, connections: 1, intents: client.options.intents.bitfield });

    await client.application!.commands.set([{ name: 'fleet', description: 'Fleet overview' }]);
    expect(fake.commands().map((c) => c.name)).toEqual(['fleet']);
    expect(fake.commands(ids.guild).map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    const registrations = fake.calls.filter((c) => c.method === 'PUT' && c.path.endsWith('/commands'));
    expect(registrations.map((c) => [c.path, c.status, c.authorized])).toEqual([
      [`/applications/${fake.applicationId}/guilds/${ids.guild}/commands`, 200, true],
      [`/applications/${fake.applicationId}/commands`, 200, true],
    ]);

    const refused = await rejection(guild.commands.set([{ name: 'Restart', description: 'x'.repeat(101) }]));
    expect(refused.code).toBe(50035);
    expect(refused.rawError).toMatchObject({
      errors: { 0: { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME' }] }, description: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } },
    });
    expect(fake.commands(ids.guild)).toHaveLength(COMMANDS.length);
  });

  it('GIVEN /status WHEN the bot defers then edits THEN the deferral is in time and the edit replaces "is thinking…"', async () => {
    const { fake, ids, client } = await start();
    const log = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand() || !interaction.inCachedGuild()) return;
      await interaction.deferReply();
      await sleep(100);
      const operator = interaction.member.roles.cache.has(ids.operatorRole);
      await interaction.editReply({
        content: `${interaction.options.getString('member')} is healthy (asked by ${interaction.user.username}, operator: ${operator})`,
        embeds: [new EmbedBuilder().setTitle('price-feed').addFields({ name: 'uptime', value: '3 h' })],
      });
    });

    const status = fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'status', options: [{ name: 'member', type: 3, value: 'price-feed' }] });
    const response = await status.response();
    expect(response.type).toBe(5);
    expect(response.afterMs).toBeLessThan(3000);
    const original = await status.original();
    expect(original.content).toBe('price-feed is healthy (asked by alice, operator: true)');
    expect(original.embeds[0]).toMatchObject({ title: 'price-feed', fields: [{ name: 'uptime', value: '3 h' }] });
    expect(original.flags & MessageFlags.Loading).toBe(0);
    expect(original.interactionId).toBe(status.id);
    expect(fake.messages(ids.ops).map((m) => m.id)).toEqual([original.id]);
    const edit = fake.calls.find((c) => c.method === 'PATCH');
    expect(edit).toMatchObject({ path: `/webhooks/${fake.applicationId}/${status.token}/messages/@original`, status: 200, authorized: false });
    expect(log).toEqual({ seen: [status.id], errors: [] });
  });

  it('GIVEN a short ack deadline WHEN the reply is late THEN the bot gets 10062, and a second initial response gets 40060', async () => {
    const { fake, ids, client } = await start({ ackDeadlineMs: 200 });
    const log = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      if (interaction.commandName === 'slow') await sleep(400);
      await interaction.reply('done');
      if (interaction.commandName === 'status')
        await client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 4, data: { content: 'again' } }, auth: false });
    });

    const slow = fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'slow' });
    await waitFor(() => log.errors[0], 'the late reply to fail');
    expect((log.errors[0] as DiscordAPIError).code).toBe(10062);
    expect(slow.rejected()).toEqual([{ status: 404, code: 10062, afterMs: expect.any(Number), kind: 'callback' }]);
    expect(slow.rejected()[0]!.afterMs).toBeGreaterThanOrEqual(400);
    await expect(slow.response(100)).rejects.toThrow(/timed out/);

    const twice = fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'status' });
    await waitFor(() => log.errors[1], 'the second response to fail');
    expect((log.errors[1] as DiscordAPIError).code).toBe(40060);
    expect((await twice.original()).content).toBe('done');
    expect(twice.rejected().map((r) => r.code)).toEqual([40060]);
  });

  it('GIVEN a message with a button WHEN a user presses it THEN update() edits that message', async () => {
    const { fake, ids, client } = await start();
    const replied: (string | undefined)[] = [];
    onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) {
        const response = await interaction.reply({
          content: 'Restart price-feed?',
          components: [new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('restart:price-feed').setLabel('Restart').setStyle(ButtonStyle.Danger))],
          withResponse: true,
        });
        replied.push(response.resource?.message?.id);
      }
      if (interaction.isButton()) await interaction.update({ content: `Restarting ${interaction.customId.split(':')[1]}…`, components: [] });
    });

    const ask = await fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'restart' }).original();
    expect(ask.components[0].components[0]).toMatchObject({ type: 2, custom_id: 'restart:price-feed' });
    expect(await waitFor(() => replied[0], 'the callback response')).toBe(ask.id);
    const press = fake.button({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, customId: 'restart:price-feed', messageId: ask.id });
    expect((await press.response()).type).toBe(7);
    const updated = await press.original();
    expect(updated).toMatchObject({ id: ask.id, content: 'Restarting price-feed…', components: [] });
    expect(fake.messages(ids.ops)).toHaveLength(1);
  });

  it('GIVEN a focused option WHEN the bot responds THEN the choices are the autocomplete result', async () => {
    const { fake, ids, client } = await start();
    onInteraction(client, async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const typed = interaction.options.getFocused();
      await interaction.respond(['price-feed', 'arb-scanner', 'risk'].filter((m) => m.startsWith(typed)).map((m) => ({ name: m, value: m })));
    });

    const typing = fake.autocomplete({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'logs', options: [{ name: 'member', type: 3, value: 'pri', focused: true }] });
    expect(await typing.response()).toMatchObject({ type: 8, data: { choices: [{ name: 'price-feed', value: 'price-feed' }] } });
    expect(fake.messages(ids.ops)).toEqual([]);
  });

  it('GIVEN "!logs" WHEN the bot sends a file THEN the multipart upload arrives intact, and its own echo is ignored', async () => {
    const seen: Message[] = [];
    const { fake, ids } = await start({}, (client) =>
      client.on(Events.MessageCreate, (message) => {
        seen.push(message);
        if (message.author.bot || !message.content.startsWith('!logs')) return;
        void message.channel.send({ content: 'Last 200 lines of price-feed', files: [new AttachmentBuilder(LOG, { name: 'price-feed.log' })] });
      }),
    );

    const asked = await fake.message({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, content: '!logs price-feed' });
    const sent = await fake.waitForMessage(ids.ops, (m) => m.attachments.length > 0);
    expect(sent.content).toBe('Last 200 lines of price-feed');
    expect(sent.attachments).toMatchObject([{ filename: 'price-feed.log', size: LOG.length }]);
    expect(sent.attachments[0]!.content.equals(LOG)).toBe(true);
    const upload = fake.calls.find((c) => c.method === 'POST' && c.path === `/channels/${ids.ops}/messages`);
    expect(upload?.attachments.map((a) => a.field)).toEqual(['files[0]']);
    expect(upload?.body).toMatchObject({ content: 'Last 200 lines of price-feed', attachments: [{ id: '0' }] });

    // Discord echoes the bot's own message back as MESSAGE_CREATE; the bot must (and does) ignore it.
    await waitFor(() => seen.find((m) => m.id === sent.id), 'the echo of the bot message');
    expect(seen.map((m) => [m.id, m.author.bot])).toEqual([
      [asked.id, false],
      [sent.id, true],
    ]);
    const downloaded = await fetch(seen[1]!.attachments.first()!.url);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(LOG)).toBe(true);
    expect(fake.messages(ids.ops)).toHaveLength(1);
  });

  it('GIVEN no MessageContent intent THEN message content arrives blank unless the bot is mentioned', async () => {
    const seen: string[] = [];
    const { fake, ids } = await start({}, (client) => client.on(Events.MessageCreate, (m) => seen.push(m.content)), [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    await fake.message({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, content: '!status' });
    await fake.message({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, content: `<@${fake.botUserId}> status` });
    await waitFor(() => (seen.length === 2 ? seen : undefined), 'two messages');
    expect(seen).toEqual(['', `<@${fake.botUserId}> status`]);
  });

  it('GIVEN a subcommand with string and user options THEN discord.js reads both, the user from `resolved`', async () => {
    const { fake, ids, client } = await start();
    onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const member = interaction.options.getString('member', true);
      const notify = interaction.options.getUser('notify', true);
      await interaction.reply({ content: `${interaction.options.getSubcommand()} ${member}, telling <@${notify.id}> (${notify.username})`, allowedMentions: { parse: [] } });
    });

    const bob = fake.guilds[0]!.members.find((m) => m.user.username === 'bob')!.user.id;
    const options = [{ name: 'restart', type: 1, options: [{ name: 'member', type: 3, value: 'price-feed' }, { name: 'notify', type: 6, value: bob }] }];
    const fleet = fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'fleet', options });
    expect(await fleet.original()).toMatchObject({ content: `restart price-feed, telling <@${bob}> (bob)`, allowedMentions: { parse: [] } });
  });

  it('GIVEN a bot message WHEN edited and deleted through the channel THEN messages() and the gateway echoes follow', async () => {
    const updated: string[] = [];
    const deleted: string[] = [];
    const { fake, ids, client } = await start({}, (c) => {
      c.on(Events.MessageUpdate, (_, message) => updated.push(message.content ?? ''));
      c.on(Events.MessageDelete, (message) => deleted.push(message.id));
    });
    const channel = client.channels.cache.get(ids.ops);
    if (!channel?.isSendable()) throw new Error('ops is not a text channel');

    const sent = await channel.send('price-feed: degraded');
    await sent.edit('price-feed: healthy');
    expect(fake.messages(ids.ops)).toMatchObject([{ id: sent.id, content: 'price-feed: healthy', editedAt: expect.any(Number) }]);
    const theirs = await fake.message({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, content: 'hello' });
    expect((await rejection(channel.messages.edit(theirs.id, 'hijacked'))).code).toBe(50005);
    await sent.delete();
    expect(fake.messages(ids.ops)).toEqual([]);
    await waitFor(() => (deleted.includes(sent.id) ? true : undefined), 'the MESSAGE_DELETE echo');
    expect(updated).toEqual(['price-feed: healthy']);
  });

  it('GIVEN content or embeds over Discord limits THEN the fake refuses with 50035 and discord.js surfaces it', async () => {
    const { fake, ids, client } = await start();
    const channel = client.channels.cache.get(ids.ops);
    if (!channel?.isSendable()) throw new Error('ops is not a text channel');
    const button = (id: string) => new ButtonBuilder().setCustomId(id).setLabel('x').setStyle(ButtonStyle.Primary);
    const cases = [
      { body: { content: 'x'.repeat(2001) }, path: 'content', code: 'BASE_TYPE_MAX_LENGTH' },
      { body: { embeds: [{ title: 't'.repeat(257) }] }, path: 'embeds.0.title', code: 'BASE_TYPE_MAX_LENGTH' },
      { body: { embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] }, path: 'embeds', code: 'MAX_EMBED_SIZE_EXCEEDED' },
      { body: { embeds: Array.from({ length: 11 }, () => ({ title: 'alert' })) }, path: 'embeds', code: 'BASE_TYPE_MAX_LENGTH' },
      { body: { embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }] }, path: 'embeds.0.fields', code: 'BASE_TYPE_MAX_LENGTH' },
      { body: { embeds: [{ fields: [{ name: 'n', value: 'v'.repeat(1025) }] }] }, path: 'embeds.0.fields.0.value', code: 'BASE_TYPE_MAX_LENGTH' },
      {
        body: { content: 'rows', components: Array.from({ length: 6 }, (_, i) => new ActionRowBuilder<ButtonBuilder>().addComponents(button(`b${i}`)).toJSON()) },
        path: 'components',
        code: 'BASE_TYPE_MAX_LENGTH',
      },
      { body: { content: 'id', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'x', custom_id: 'c'.repeat(101) }] }] }, path: 'components.0.components.0.custom_id', code: 'BASE_TYPE_MAX_LENGTH' },
    ];
    for (const { body, path, code } of cases) {
      const error = await rejection(channel.send(body as never));
      expect([error.status, error.code]).toEqual([400, 50035]);
      const node = path.split('.').reduce((tree: any, key) => tree?.[key], (error.rawError as { errors: unknown }).errors);
      expect(node?._errors?.[0]?.code, path).toBe(code);
    }
    expect((await rejection(channel.send({ content: '' }))).code).toBe(50006);
    expect(fake.messages(ids.ops)).toEqual([]);
  });

  it('GIVEN an unknown route or no token THEN Discord-shaped 404 and 401', async () => {
    const { fake, client } = await start();
    const missing = await rejection(client.rest.get('/fleet/nowhere'));
    expect([missing.status, missing.code, missing.message]).toEqual([404, 0, '404: Not Found']);
    const anonymous = await fetch(`${fake.apiUrl}/v10/users/@me`);
    expect([anonymous.status, await anonymous.json()]).toEqual([401, { code: 0, message: '401: Unauthorized' }]);
    expect(fake.calls.at(-1)).toMatchObject({ path: '/users/@me', status: 401, authorized: false });
  });

  it('GIVEN a 429 on the channel message route THEN discord.js waits retry_after and the message arrives once', async () => {
    const { fake, ids, client } = await start();
    const channel = client.channels.cache.get(ids.ops);
    if (!channel?.isSendable()) throw new Error('ops is not a text channel');
    const limited: number[] = [];
    client.rest.on('rateLimited', (info) => limited.push(info.retryAfter));
    fake.rateLimit({ method: 'POST', path: /^\/channels\/\d+\/messages$/ }, { retryAfterSeconds: 0.4 });

    const began = Date.now();
    await channel.send('price-feed restarted');
    expect(Date.now() - began).toBeGreaterThanOrEqual(400);
    expect(limited.length).toBe(1);
    expect(fake.messages(ids.ops).map((m) => m.content)).toEqual(['price-feed restarted']);
    const posts = fake.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${ids.ops}/messages`);
    expect(posts.map((c) => c.status)).toEqual([429, 200]);

    fake.rateLimit({ path: /^\/channels\// }, { retryAfterSeconds: 0.3, global: true });
    const globalBegan = Date.now();
    await channel.send('after a global limit');
    expect(Date.now() - globalBegan).toBeGreaterThanOrEqual(300);
    expect(fake.messages(ids.ops)).toHaveLength(2);
  });

  it('GIVEN a dropped gateway THEN the client resumes (no new identify) and an interaction sent meanwhile is handled once', async () => {
    const { fake, ids, client } = await start({ heartbeatIntervalMs: 1000 });
    const log = onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply(`resumed ${interaction.commandName}`);
    });

    const resumed = once(client, Events.ShardResume);
    fake.dropGateway();
    const during = fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'status' });
    await resumed;
    expect((await during.original()).content).toBe('resumed status');
    expect(fake.gatewayStats()).toMatchObject({ identifies: 1, resumes: 1, connections: 2 });

    const resumedAgain = once(client, Events.ShardResume);
    fake.dropGateway('terminate');
    await resumedAgain;
    const after = fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'restart' });
    expect((await after.original()).content).toBe('resumed restart');
    expect(fake.gatewayStats()).toMatchObject({ identifies: 1, resumes: 2, connections: 3 });
    expect(log.seen).toEqual([during.id, after.id]);
    expect(log.errors).toEqual([]);
    // Heartbeats (every second here) are acknowledged: discord.js measures a latency.
    expect(await waitFor(() => (client.ws.ping >= 0 ? client.ws.ping : undefined), 'an acknowledged heartbeat')).toBeLessThan(1000);
  });

  it('GIVEN an invalidated session THEN the client identifies again at once (no 5 s identify throttle) and keeps working', async () => {
    const { fake, ids, client } = await start();
    onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply('still here');
    });

    const began = Date.now();
    fake.dropGateway('invalidate');
    await waitFor(() => (fake.gatewayStats().identifies === 2 ? true : undefined), 'a second identify');
    // discord.js waits 500 ms before reconnecting; the default throttler would add up to 6.5 s more.
    expect(Date.now() - began).toBeLessThan(2000);
    await fake.ready();
    const after = fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'status' });
    expect((await after.original()).content).toBe('still here');
    expect(fake.gatewayStats()).toMatchObject({ identifies: 2, resumes: 0, connections: 2 });
  });

  it('GIVEN a deferred reply THEN the first follow-up fills it, later ones are new messages, and an expired token gets 50027', async () => {
    const { fake, ids, client } = await start({ interactionTokenTtlMs: 500 });
    let later: (() => Promise<unknown>) | undefined;
    const fetched: string[] = [];
    const log = onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.followUp('restart queued');
      fetched.push((await interaction.fetchReply()).content);
      await interaction.followUp({ content: 'restart done', flags: MessageFlags.Ephemeral });
      later = () => interaction.editReply('too late to edit');
    });

    const restart = fake.slash({ guildId: ids.guild, channelId: ids.ops, userId: ids.alice, name: 'restart' });
    const original = await restart.original();
    expect(original.content).toBe('restart queued');
    expect(original.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    await waitFor(() => (restart.followups().length ? restart.followups() : undefined), 'the follow-up');
    expect(restart.followups()).toMatchObject([{ content: 'restart done', flags: MessageFlags.Ephemeral }]);
    expect(fetched).toEqual(['restart queued']);

    await sleep(600);
    expect((await rejection(later!())).code).toBe(50027);
    expect(restart.rejected()).toMatchObject([{ status: 401, code: 50027, kind: 'webhook' }]);
    expect(log.errors).toEqual([]);
  });
});

describe('fake Discord channel webhooks (what Alertmanager posts to)', () => {
  it('GIVEN a channel webhook THEN posts within the limits land in its channel without a bot token, and oversized or badly signed ones are refused as Discord does', async () => {
    const fake = await startFakeDiscord();
    try {
      const channel = fake.guilds[0]!.channels.find((c) => c.name === 'alerts')!;
      const hook = fake.createWebhook(channel.id, 'alerts');
      expect(hook.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/\d+\/[\w-]+$/);
      const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

      const plain = await post(hook.url, { embeds: [{ title: 'MemberDown', description: 'price-feed is down' }] });
      expect([plain.status, plain.headers.get('content-type')]).toEqual([204, null]);
      const waited = await post(`${hook.url}?wait=true`, { content: 'second' });
      expect(waited.status).toBe(200);
      expect(((await waited.json()) as { author: { id: string } }).author.id).toBe(hook.id);
      expect(fake.webhookMessages(hook.id).map((m) => [m.content, m.embeds.length, m.channelId])).toEqual([['', 1, channel.id], ['second', 0, channel.id]]);
      // The bot's own message list does not include the webhook's.
      expect(fake.messages(channel.id)).toEqual([]);

      const refusals = [
        await post(hook.url, { content: 'x'.repeat(2001) }),
        await post(hook.url, { embeds: [{ title: 't'.repeat(257) }] }),
        await post(hook.url, { embeds: [{ description: 'd'.repeat(4097) }] }),
        await post(hook.url, { embeds: Array.from({ length: 11 }, () => ({ title: 'a' })) }),
        await post(hook.url, { embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] }),
      ];
      expect(await Promise.all(refusals.map(async (r) => [r.status, ((await r.json()) as { code: number }).code]))).toEqual(Array(5).fill([400, 50035]));
      const forged = await post(hook.url.replace(/[^/]+$/, 'forged'), { content: 'x' });
      expect([forged.status, ((await forged.json()) as { code: number }).code]).toEqual([401, 50027]);
      expect(fake.webhookMessages(hook.id)).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });
});
