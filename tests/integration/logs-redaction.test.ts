import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { member, waitFor } from '../support/fleet.js';
import { fragmentsShown, LOOK_ALIKES, SECRET_CORPUS } from '../support/secrets.js';
import { reader, startStack } from '../support/stack.js';

// A fleet member (process backend) prints the whole secrets corpus and the look-alikes to its stdout, as a program
// dumping its config or a wallet tool would; `/logs` read back through the real road (dispatcher → ops queue → ops
// agent → backend) shows no secret, not even in part — multi-line keys and seed phrases included, also when the
// tail cuts into them — and every look-alike line as it was written.

const RSA_TAIL_MARK = 'after the key';
const printed = [
  ...SECRET_CORPUS.map((s) => s.text),
  ...LOOK_ALIKES.map((l) => l.text),
  // Last: a key block and a one-word-a-line seed phrase that the tails below cut into.
  SECRET_CORPUS.find((s) => s.kind === 'pem-private-key' && s.format.startsWith('PEM (PKCS#1'))!.text,
  RSA_TAIL_MARK,
  SECRET_CORPUS.find((s) => s.format === 'one word per line (24)')!.text,
  'done',
].join('\n');
const printedLines = printed.split('\n');

describe('/logs of a member that prints secrets', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-logs-'));
    const file = path.join(dir, 'corpus.txt');
    writeFileSync(file, `${printed}\n`);
    const printer = member({ name: 'printer', kind: 'agent', command: ['sh', '-c', 'cat "$0"; exec sleep 600', file] });
    s = await startStack([printer], { agents: ['ops'] });
    await waitFor(async () => ((await s.fleet!.backend.logs('printer', { tail: 1 }))[0]?.endsWith('done') ? true : undefined), { what: 'the corpus printed' });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const logs = async (count: number) => {
    const reply = await s.dispatcher.dispatchLine(`/logs printer ${count}`, reader, 'test');
    expect(reply.tone, reply.title).toBe('info');
    return reply.code!.text;
  };

  it('GIVEN the whole log THEN no secret shows, not even in part, and every look-alike line is intact', async () => {
    const shown = await logs(printedLines.length);
    const lines = shown.split('\n');
    expect(lines).toHaveLength(printedLines.length);
    expect(shown).toContain('[REDACTED');
    for (const sample of SECRET_CORPUS) {
      expect(shown, `${sample.kind} (${sample.format}) leaked`).not.toContain(sample.secret);
      expect(fragmentsShown(sample.secret, shown), `${sample.kind} (${sample.format}) leaked in part`).toEqual([]);
    }
    const texts = lines.map((line) => line.slice(line.indexOf(' ') + 1));
    for (const { format, text } of LOOK_ALIKES) expect(texts, `look-alike changed: ${format}`).toContain(text);
  });

  it('GIVEN tails that begin inside a key block or a one-word-a-line seed phrase THEN no part of either shows', async () => {
    const key = SECRET_CORPUS.find((s) => s.kind === 'pem-private-key' && s.format.startsWith('PEM (PKCS#1'))!;
    const seed = SECRET_CORPUS.find((s) => s.format === 'one word per line (24)')!;
    const keyEnd = printedLines.lastIndexOf(RSA_TAIL_MARK);
    for (const intoKey of [3, 10, 20]) {
      const shown = await logs(printedLines.length - (keyEnd - intoKey));
      expect(shown.split('\n')[0]).not.toContain('BEGIN');
      expect(fragmentsShown(key.secret, shown), `tail ${intoKey} lines before the key's end`).toEqual([]);
    }
    for (const intoSeed of [4, 9, 15]) {
      const shown = await logs(intoSeed + 1);
      expect(fragmentsShown(seed.secret, shown), `tail of ${intoSeed} seed words`).toEqual([]);
      expect(shown).toMatch(/done$/);
    }
  });
});
