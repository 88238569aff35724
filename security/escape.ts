/**
 * Text that came from a person or a tool, made safe to show inline in a chat message: it cannot format the message
 * (Discord markdown is escaped), cannot ping (mentions are broken), cannot start a line of its own (line breaks,
 * control and direction characters become visible escapes), and cannot run on (bounded, with an ellipsis).
 * It does not redact: redact first, so that a secret cut short by the bound cannot slip past the rules.
 */

// Everything Discord's markdown gives a meaning to, inline or at the start of a line: emphasis, code, spoilers,
// quotes, headings, lists, masked links, escapes, and `<…>` mentions, channels, emoji and timestamps.
const MARKDOWN = /[\\*_~`|>#\-[\]()<]/g;
// Characters that break a line or are invisible yet change what is shown: C0/C1 controls, line and paragraph
// separators, zero-width and direction-override characters, the byte-order mark.
const HIDDEN = /^[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]$/u;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const ELLIPSIS = '…';

const visible = (ch: string) => NAMED[ch] ?? `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`;

/**
 * `text` for one line of a chat message, at most `max` characters long (the ellipsis included). Each escape is kept
 * whole when the text is cut. `@everyone`, `@here` and `<@id>` lose their power; the text reads the same otherwise.
 */
export function escapeInline(text: string, max = 200): string {
  const pieces: string[] = [];
  for (const ch of text) {
    // Shown as `\n`, `\u2028`: the backslash is escaped so the markdown shows it.
    if (HIDDEN.test(ch)) pieces.push(`\\${visible(ch)}`);
    else if (ch === '@') pieces.push('@\u200b');
    else pieces.push(ch.replace(MARKDOWN, '\\$&'));
  }
  return bounded(pieces, max);
}

/**
 * `text` for the inside of an inline code span (`` `…` ``), where markdown and mentions do not apply but a backtick
 * ends the span: backticks become ˋ, line breaks and hidden characters visible escapes, the length bounded.
 */
export function escapeCode(text: string, max = 200): string {
  const pieces: string[] = [];
  for (const ch of text) pieces.push(HIDDEN.test(ch) ? visible(ch) : ch === '`' ? '\u02cb' : ch);
  return bounded(pieces, max);
}

/** The pieces joined, cut between pieces with an ellipsis so that the result is at most `max` characters. */
function bounded(pieces: string[], max: number): string {
  let length = 0;
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    const room = i === pieces.length - 1 ? max : max - ELLIPSIS.length;
    if (length + piece.length > room) {
      out.push(ELLIPSIS);
      return out.join('');
    }
    out.push(piece);
    length += piece.length;
  }
  return out.join('');
}
