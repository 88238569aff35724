import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { argSpecs, loadCommands, usage, validateCommand } from '../../../commands/index.js';

describe('the command catalog', () => {
  it('loads every command of commands/, each valid, in name order', async () => {
    const commands = await loadCommands();
    expect(commands.map((c) => c.name)).toEqual([
      'agents', 'alert', 'chart', 'execute', 'heal', 'help', 'logs', 'metrics', 'opportunities', 'pools', 'price', 'restart', 'scan', 'servers',
      'silence', 'silences', 'start', 'status', 'stop', 'trade', 'unsilence',
    ]);
    expect(commands.filter((c) => c.permission !== 'read').map((c) => c.name)).toEqual(['alert', 'execute', 'heal', 'restart', 'silence', 'start', 'stop', 'trade', 'unsilence']);
    expect(commands.filter((c) => c.destructive).map((c) => c.name)).toEqual(['restart', 'stop', 'trade']);
  });

  it('derives argument specs from the zod schema: types, ranges, defaults, descriptions, member completion', async () => {
    const logs = (await loadCommands()).find((c) => c.name === 'logs')!;
    expect(argSpecs(logs)).toEqual([
      { name: 'member', type: 'string', description: 'The fleet member whose log to show', required: true, complete: 'member', choices: undefined, min: undefined, max: undefined, default: undefined },
      { name: 'count', type: 'integer', description: 'How many of the last lines (1-5000)', required: false, min: 1, max: 5000, default: 20, choices: undefined, complete: undefined },
    ]);
    expect(usage(logs)).toBe('/logs <member> [count]');
  });

  it('rejects a module that is not a command, naming the file and the problem', () => {
    expect(() => validateCommand('bad.ts', { default: { name: 'Bad Name', description: '', args: {}, permission: 'root', run: 1 } })).toThrow(
      /^bad\.ts is not a valid command: name: .*; description: .*; args: .*; permission: .*; run: a function$/,
    );
    expect(() => validateCommand('nodesc.ts', { default: { name: 'x', description: 'x', args: z.object({ a: z.string() }), permission: 'read', run: () => {} } })).toThrow(
      'nodesc.ts: argument "a" needs .describe()',
    );
  });

  it('rejects two commands with one name', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-commands-'));
    const source = `import { z } from 'zod'; export default { name: 'dup', description: 'd', args: z.object({}), permission: 'read', run: async () => ({ tone: 'ok', title: 'x' }) };`;
    writeFileSync(path.join(dir, 'a.ts'), source);
    writeFileSync(path.join(dir, 'b.ts'), source);
    await expect(loadCommands(dir)).rejects.toThrow('b.ts: a command named "dup" already exists');
  });
});
