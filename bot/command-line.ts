import type { z } from 'zod';
import { argSpecs, OpsError, usage, type ArgSpec, type Command } from '../commands/index.js';
import { shown } from './suggest.js';

/**
 * Text requests — console lines and `!` messages — turned into a command name and arguments, with the argument
 * grammar derived from each command's zod schema: positional in declaration order, or `name=value`.
 */

/** Discord's message limit; nothing longer is a sensible request. */
const MAX_REQUEST_CHARS = 2000;

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) tokens.push(match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? match[3]!);
  return tokens;
}

/** Why a request cannot be read at all (empty, too long), or undefined. Commands and chat alike. */
export function unreadable(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0) return 'empty request — type `help` for the commands';
  if (trimmed.length > MAX_REQUEST_CHARS) return `request too long (${trimmed.length} characters; the limit is ${MAX_REQUEST_CHARS})`;
  return undefined;
}

/** Splits a request line into the command name (without `/` or `!`) and its argument words. */
export function splitRequest(line: string): { name: string; words: string[] } {
  const problem = unreadable(line);
  if (problem) throw new OpsError('unreadable', problem);
  const trimmed = line.trim();
  const [first = '', ...words] = tokenize(trimmed);
  return { name: first.replace(/^[/!]/, '').toLowerCase(), words };
}

function coerce(spec: ArgSpec, word: string): unknown {
  switch (spec.type) {
    case 'integer':
      if (!/^[+-]?\d+$/.test(word)) throw new OpsError('bad-argument', `${spec.name} must be a whole number, not \`${shown(word)}\``);
      // Beyond what a number holds exactly, the schema could only name that limit; name the argument's own.
      if (!Number.isSafeInteger(Number(word))) {
        throw new OpsError('bad-argument', word.startsWith('-') ? `${spec.name} must be at least ${spec.min ?? Number.MIN_SAFE_INTEGER}` : `${spec.name} must be at most ${spec.max ?? Number.MAX_SAFE_INTEGER}`);
      }
      return Number(word);
    case 'number':
      if (!Number.isFinite(Number(word)) || word.trim() === '') throw new OpsError('bad-argument', `${spec.name} must be a number, not \`${shown(word)}\``);
      return Number(word);
    case 'boolean':
      if (/^(true|yes|on|1)$/i.test(word)) return true;
      if (/^(false|no|off|0)$/i.test(word)) return false;
      throw new OpsError('bad-argument', `${spec.name} must be yes or no, not \`${shown(word)}\``);
    default:
      return word;
  }
}

/** Words that name the kind of member that follows (`server price-feed`, `agent healer`). */
const KIND_WORDS = new Set(['server', 'agent', 'member']);

/** Binds argument words to the command's arguments; types are checked here, ranges by the schema. */
export function bindWords(command: Pick<Command, 'name' | 'args'>, words: string[]): Record<string, unknown> {
  const specs = argSpecs(command);
  const values: Record<string, unknown> = {};
  const positional: string[] = [];
  for (const word of words) {
    const named = /^([a-z][a-z0-9_-]*)[=:](.*)$/s.exec(word);
    const spec = named && specs.find((s) => s.name === named[1]);
    if (spec) values[spec.name] = coerce(spec, named![2]!);
    else positional.push(word);
  }
  // A `kind` is named by its word before the member or as kind=…, never by position: "restart price feed" stays
  // two words too many (plain words for the chat), not a member `price` of kind `feed`.
  const kind = specs.find((s) => s.name === 'kind' && !(s.name in values));
  const free = specs.filter((s) => !(s.name in values) && s !== kind);
  // The seeds' form `!restart server execution`: a kind word before a member names what it is, and is accepted; a
  // command with a `kind` argument (`/restart agent healer`) receives it.
  if (free[0]?.complete === 'member' && positional.length > free.length && KIND_WORDS.has(positional[0]!.toLowerCase())) {
    const word = positional.shift()!.toLowerCase();
    if (kind?.choices?.includes(word)) values.kind = word;
  }
  if (positional.length > free.length) {
    throw new OpsError('bad-argument', `too many arguments — usage: ${usage(command)}`);
  }
  positional.forEach((word, i) => (values[free[i]!.name] = coerce(free[i]!, word)));
  return values;
}

/** One line that says what is wrong with the arguments, and how to write them. */
export function describeIssues(command: Pick<Command, 'name' | 'args'>, error: z.ZodError): string {
  const issue = error.issues[0]!;
  const name = String(issue.path[0] ?? 'arguments');
  const detail = (() => {
    switch (issue.code) {
      case 'too_small':
        return issue.origin === 'string' ? `${name} must not be empty` : `${name} must be at least ${issue.minimum}`;
      case 'too_big':
        return issue.origin === 'string' ? `${name} must be at most ${issue.maximum} characters` : `${name} must be at most ${issue.maximum}`;
      case 'invalid_type':
        return issue.input === undefined ? `missing <${name}>` : `${name} must be a ${issue.expected}`;
      case 'invalid_value':
        return `${name} must be one of ${issue.values.map(String).join(', ')}`;
      default:
        return `${name}: ${issue.message}`;
    }
  })();
  return `${detail} — usage: ${usage(command)}`;
}
