import { AttachmentBuilder, type APIEmbed, type MessageCreateOptions } from 'discord.js';
import type { Reply, Tone } from '../../commands/index.js';
import { alignTable } from '../table.js';
import { clip, fitEmbed, LIMITS } from './limits.js';

/**
 * A Reply as a Discord message: an embed coloured by its tone, one line per table row with a health dot, and
 * preformatted output inline when it fits or as a file when it does not — never cut, never over Discord's limits.
 * Mentions in anything fleetbot echoes never ping.
 */

const COLOUR = { ok: 0x2ecc71, info: 0x3498db, warn: 0xe67e22, error: 0xe74c3c } as const satisfies Record<Tone, number>;
const DOT = { ok: '🟢', info: '🔵', warn: '🟠', error: '🔴' } as const satisfies Record<Tone, string>;

export type DiscordMessage = Pick<MessageCreateOptions, 'content' | 'embeds' | 'files' | 'components' | 'allowedMentions'>;

export const NO_PINGS = { parse: [] } as const;

export function renderReply(reply: Reply): DiscordMessage {
  const files: AttachmentBuilder[] = [];
  const parts: string[] = [];
  if (reply.body) parts.push(reply.body);
  // Leave room for the body and the title within the 6000-character total.
  const room = Math.min(LIMITS.description, LIMITS.embedTotal - LIMITS.title) - (reply.body?.length ?? 0) - 16;
  if (reply.table && reply.table.rows.length > 0) {
    const { header, rows } = alignTable(reply.table);
    const tones = reply.table.rows.map((r) => r.tone ?? 'info');
    // One line per row, led by a dot in the row's colour; backticks in cells would end the inline code.
    const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
    const lines = [`⚪ ${code(header)}`, ...rows.map((row, i) => `${DOT[tones[i]!]} ${code(row)}`)].join('\n');
    if (lines.length <= room) parts.push(lines);
    else {
      files.push(new AttachmentBuilder(Buffer.from([header, ...rows].join('\n')), { name: 'table.txt' }));
      parts.push(`${reply.table.rows.length} rows — attached as table.txt`);
    }
  }
  if (reply.code) {
    const block = `\`\`\`\n${reply.code.text.replace(/```/g, "'''")}\n\`\`\``;
    if (block.length <= room - (parts.join('\n').length + 1)) parts.push(block);
    else {
      files.push(new AttachmentBuilder(Buffer.from(reply.code.text), { name: reply.code.filename }));
      const lines = reply.code.text.split('\n').length;
      parts.push(`${lines} line${lines === 1 ? '' : 's'} — attached as ${reply.code.filename}`);
    }
  }
  if (reply.image) files.push(new AttachmentBuilder(reply.image.png, { name: reply.image.filename }));
  const embed: APIEmbed = fitEmbed({
    title: clip(reply.title, LIMITS.title),
    description: parts.length ? parts.join('\n') : undefined,
    color: COLOUR[reply.tone],
    ...(reply.image ? { image: { url: `attachment://${reply.image.filename}` } } : {}),
  });
  return { embeds: [embed], files, allowedMentions: NO_PINGS };
}
