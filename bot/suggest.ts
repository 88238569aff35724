import { closest, distance } from 'fastest-levenshtein';
import { redact } from '../security/redact.js';

/** "did you mean …?" for unknown commands and members. */

const normal = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export function didYouMean(input: string, choices: readonly string[]): string | undefined {
  if (choices.length === 0) return undefined;
  const wanted = normal(input);
  const same = choices.find((c) => normal(c) === wanted);
  if (same) return same;
  const prefixed = choices.filter((c) => wanted.length >= 2 && normal(c).startsWith(wanted));
  if (prefixed.length === 1) return prefixed[0];
  const typed = input.toLowerCase();
  // Nearest by edits; of equals, the one of the typed length ("stauts" is `status` misspelt, not `start`).
  const nearest = Math.min(...choices.map((c) => distance(typed, c)));
  const tied = choices.filter((c) => distance(typed, c) === nearest);
  const best = tied.find((c) => c.length === typed.length) ?? closest(typed, tied);
  // Two edits are a typo in a long word ("stauts") or a short one that starts right ("alfa"), but elsewhere they
  // make another word ("what" → "chart").
  const limit = typed.length >= 5 ? Math.max(2, Math.floor(typed.length / 3)) : best[0] === typed[0] ? 2 : 1;
  return distance(typed, best) <= limit ? best : undefined;
}

/**
 * Echoes user input safely in a reply: redacted whole (a secret cut short would slip past redaction), then short,
 * one line, with nothing that could break out of `code`.
 */
export function shown(input: string, max = 40): string {
  // Control characters become visible replacement marks, so an input of nothing but them is not shown as ``.
  const flat = redact(input).replace(/[\u0000-\u001f\u007f]/g, '\ufffd').replace(/`/g, "'").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** "unknown member `pricefeed` — did you mean `price-feed`? members: a, b, c" */
export function unknownChoice(kind: string, input: string, choices: readonly string[]): string {
  const suggestion = didYouMean(input, choices);
  const hint = suggestion ? `did you mean \`${suggestion}\`? ` : '';
  return `unknown ${kind} \`${shown(input)}\` — ${hint}${kind}s: ${choices.join(', ')}`;
}
