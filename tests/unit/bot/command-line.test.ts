import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bindWords, describeIssues, splitRequest, tokenize } from '../../../bot/command-line.js';
import { OpsError } from '../../../commands/index.js';
import logs from '../../../commands/logs.js';
import restart from '../../../commands/restart.js';

const errorOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof OpsError) return error.message;
    throw error;
  }
  throw new Error('expected an OpsError');
};

describe('text requests', () => {
  it('splits quoted words', () => {
    expect(tokenize(`/say "hello world" 'a b' c\\d "x\\"y"`)).toEqual(['/say', 'hello world', 'a b', 'c\\d', 'x"y']);
  });

  it('accepts /, ! and bare command names, in any case', () => {
    expect(splitRequest('/logs a 5')).toEqual({ name: 'logs', words: ['a', '5'] });
    expect(splitRequest('  !LOGS a')).toEqual({ name: 'logs', words: ['a'] });
    expect(splitRequest('help')).toEqual({ name: 'help', words: [] });
  });

  it('GIVEN an empty line or a 10 kB line THEN a one-line error', () => {
    expect(errorOf(() => splitRequest('   '))).toBe('empty request — type `help` for the commands');
    expect(errorOf(() => splitRequest('x'.repeat(10_240)))).toBe('request too long (10240 characters; the limit is 2000)');
  });

  it('binds positional words in declaration order, and name=value anywhere', () => {
    expect(bindWords(logs, ['price-feed', '50'])).toEqual({ member: 'price-feed', count: 50 });
    expect(bindWords(logs, ['count=7', 'price-feed'])).toEqual({ member: 'price-feed', count: 7 });
    expect(bindWords(logs, ['price-feed'])).toEqual({ member: 'price-feed' });
  });

  it("GIVEN a kind word before a member (the seeds' `!restart server execution`) THEN it is accepted, and a command with a kind receives it", () => {
    expect(bindWords(logs, ['server', 'price-feed', '5'])).toEqual({ member: 'price-feed', count: 5 });
    expect(bindWords(restart, ['agent', 'healer'])).toEqual({ kind: 'agent', member: 'healer' });
    expect(bindWords(restart, ['server', 'execution'])).toEqual({ kind: 'server', member: 'execution' });
    // A lone word is the name, even a kind word: a member may be called `agent`.
    expect(bindWords(restart, ['agent'])).toEqual({ member: 'agent' });
    // The kind is never taken by position: two words that are no kind and a name are too many (plain words, for the chat).
    expect(errorOf(() => bindWords(restart, ['price', 'feed']))).toBe('too many arguments — usage: /restart [kind] <member>');
    // Only `agent` changes what is restarted; `server` and `member` say what the name means anyway.
    expect(restart.args.parse({ kind: 'server', member: 'execution' })).toEqual({ member: 'execution' });
    expect(restart.args.parse({ kind: 'agent', member: 'healer' })).toEqual({ kind: 'agent', member: 'healer' });
  });

  it('GIVEN a word of the wrong type or too many words THEN it names the argument and the usage', () => {
    expect(errorOf(() => bindWords(logs, ['x', 'ten']))).toBe('count must be a whole number, not `ten`');
    expect(errorOf(() => bindWords(logs, ['x', '5', 'extra']))).toBe('too many arguments — usage: /logs <member> [count]');
  });

  it('GIVEN values out of range THEN the schema limit is said plainly', () => {
    const issue = (words: string[]) => describeIssues(logs, logs.args.safeParse(bindWords(logs, words)).error!);
    expect(issue(['x', '-5'])).toBe('count must be at least 1 — usage: /logs <member> [count]');
    expect(issue(['x', '100000'])).toBe('count must be at most 5000 — usage: /logs <member> [count]');
    expect(issue([])).toBe('missing <member> — usage: /logs <member> [count]');
  });

  it('reads booleans and enums through the same schema', () => {
    const command = { name: 'x', args: z.object({ mode: z.enum(['fast', 'safe']).describe('m'), dry: z.boolean().describe('d') }) };
    expect(bindWords(command, ['fast', 'yes'])).toEqual({ mode: 'fast', dry: true });
    expect(describeIssues(command, command.args.safeParse(bindWords(command, ['slow', 'no'])).error!)).toBe(
      'mode must be one of fast, safe — usage: /x <mode> <dry>',
    );
  });
});
