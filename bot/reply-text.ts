import type { Reply, Tone } from '../commands/index.js';
import { alignTable } from './table.js';

/** A Reply as terminal text: a marked title line, then body, an aligned table and preformatted output. */

const MARK = { ok: '✔', info: '•', warn: '!', error: '✖' } as const satisfies Record<Tone, string>;
const COLOUR = { ok: 32, info: 36, warn: 33, error: 31 } as const satisfies Record<Tone, number>;

export function renderText(reply: Reply, { colour = false }: { colour?: boolean } = {}): string {
  const paint = (tone: Tone | undefined, text: string) => (colour && tone ? `\u001b[${COLOUR[tone]}m${text}\u001b[0m` : text);
  const out = [paint(reply.tone, `${MARK[reply.tone]} ${reply.title}`)];
  if (reply.body) out.push(reply.body);
  if (reply.table && reply.table.rows.length > 0) {
    const { header, rows } = alignTable(reply.table);
    out.push(header, ...rows.map((row, i) => paint(reply.table!.rows[i]!.tone, row)));
  }
  if (reply.code) out.push(reply.code.text);
  return out.join('\n');
}
