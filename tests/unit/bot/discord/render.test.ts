import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { embedLength, fitEmbed, LIMITS, takeEmbeds } from '../../../../bot/discord/limits.js';
import { renderReply } from '../../../../bot/discord/render.js';
import { slashCommands } from '../../../../bot/discord/slash-commands.js';
import { loadCommands } from '../../../../commands/index.js';
import { highestGrant } from '../../../../security/permissions.js';

const attachmentText = async (file: unknown) => String((file as { attachment: Buffer }).attachment);

describe('Discord limits', () => {
  it('fits every part of an embed and the 6000-character total', () => {
    const embed = fitEmbed({
      title: 't'.repeat(300),
      description: 'd'.repeat(5000),
      fields: Array.from({ length: 30 }, (_, i) => ({ name: `n${i}`.repeat(100), value: 'v'.repeat(2000) })),
      footer: { text: 'f'.repeat(3000) },
    });
    expect(embed.title).toHaveLength(LIMITS.title);
    expect(embed.description!.length).toBeLessThanOrEqual(LIMITS.description);
    expect(embed.fields!.length).toBeLessThanOrEqual(LIMITS.fields);
    for (const f of embed.fields!) {
      expect(f.name.length).toBeLessThanOrEqual(LIMITS.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    }
    expect(embedLength(embed)).toBeLessThanOrEqual(LIMITS.embedTotal);
  });

  it('splits embeds across messages: at most 10 and 6000 characters each', () => {
    const embeds: APIEmbed[] = Array.from({ length: 23 }, (_, i) => ({ title: `e${i}`, description: 'x'.repeat(1500) }));
    const messages: APIEmbed[][] = [];
    let rest = embeds;
    while (rest.length) {
      const [now, later] = takeEmbeds(rest);
      messages.push(now);
      rest = later;
    }
    expect(messages.flat()).toHaveLength(23);
    for (const m of messages) {
      expect(m.length).toBeLessThanOrEqual(10);
      expect(m.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(6000);
    }
  });
});

describe('replies on Discord', () => {
  it('renders a status table one line per member, with a dot in its health colour', () => {
    const message = renderReply({
      tone: 'warn',
      title: 'fleet: 2 members — 1 healthy, 1 down',
      table: { columns: ['member', 'health'], rows: [{ cells: ['blockchain', 'healthy'], tone: 'ok' }, { cells: ['price-feed', 'down'], tone: 'error' }] },
    });
    const embed = message.embeds![0] as APIEmbed;
    expect(embed.color).toBe(0xe67e22);
    expect(embed.description!.split('\n')).toEqual(['⚪ `MEMBER      HEALTH`', '🟢 `blockchain  healthy`', '🔴 `price-feed  down`']);
    expect(message.files).toEqual([]);
    expect(message.allowedMentions).toEqual({ parse: [] });
  });

  it('puts short output inline and long output in a file, whole', async () => {
    const short = renderReply({ tone: 'info', title: 'logs', code: { text: 'a\nb', filename: 'x.log' } });
    expect((short.embeds![0] as APIEmbed).description).toBe('```\na\nb\n```');
    const text = Array.from({ length: 5000 }, (_, i) => `2026-11-21T00:00:00.000Z line ${i}`).join('\n');
    const long = renderReply({ tone: 'info', title: 'logs', code: { text, filename: 'price-feed.log' } });
    expect((long.embeds![0] as APIEmbed).description).toBe('5000 lines — attached as price-feed.log');
    expect(long.files).toHaveLength(1);
    expect(await attachmentText(long.files![0])).toBe(text);
  });

  it('never exceeds the limits, whatever the reply holds', () => {
    const message = renderReply({
      tone: 'error',
      title: 'x'.repeat(1000),
      body: 'b'.repeat(5000),
      table: { columns: ['a'], rows: Array.from({ length: 500 }, () => ({ cells: ['c'.repeat(50)] })) },
    });
    const embed = message.embeds![0] as APIEmbed;
    expect(embedLength(embed)).toBeLessThanOrEqual(LIMITS.embedTotal);
    expect(embed.title!.length).toBeLessThanOrEqual(LIMITS.title);
    expect(embed.description!.length).toBeLessThanOrEqual(LIMITS.description);
  });
});

describe('slash commands derived from commands/', () => {
  it('has one definition per command with typed options, ranges and member autocomplete', async () => {
    const commands = await loadCommands();
    const defs = slashCommands(commands);
    expect(defs.map((d) => d.name)).toEqual(commands.map((c) => c.name));
    const logs = defs.find((d) => d.name === 'logs')!;
    expect(logs.options).toEqual([
      { type: 3, name: 'member', description: 'The fleet member whose log to show', required: true, autocomplete: true },
      { type: 4, name: 'count', description: 'How many of the last lines (1-5000)', required: false, min_value: 1, max_value: 5000 },
    ]);
    for (const d of defs) expect(d.description.length).toBeLessThanOrEqual(100);
  });
});

describe('Discord roles to permissions', () => {
  const grants = { admin: { roles: ['1'], users: ['900'] }, operate: { roles: ['2'], users: [] }, read: { roles: ['3'], users: [] } };
  it.each([
    [['2'], '100', 'read', 'operate'],
    [['3', '2'], '100', 'none', 'operate'],
    [[], '900', 'none', 'admin'],
    [['3'], '100', 'none', 'read'],
    [[], '100', 'none', 'none'],
    [['3'], '100', 'operate', 'operate'],
  ] as const)('roles %j, user %s, default %s → %s', (roles, user, fallback, expected) => {
    expect(highestGrant(grants, user, roles, fallback)).toBe(expected);
  });
});
