import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Permission } from '../../security/permissions.js';
import { AuditLog } from '../../security/audit.js';
import type { Caller } from '../../security/permissions.js';
import { startFakeOpenAI, toolResults, type FakeOpenAI } from '../support/fake-openai.js';
import { testServer } from '../support/fleet.js';
import { startStack } from '../support/stack.js';

// The permission matrix: every command × every role × every way in (slash, `!`, a button press, a chat tool call).
// What each invocation needs is written out here by hand, not read from the commands, so a command that loses its
// check — or a transport that skips it — fails this test.

type Variant = {
  command: string;
  args: Record<string, unknown>;
  line: string;
  needs: Permission;
  /** The tool the model calls for it; null: not offered to the model (help is for people). */
  tool?: { name: string; args: Record<string, unknown> } | null;
};
const VARIANTS: Variant[] = [
  { command: 'status', args: {}, line: 'status', needs: 'read' },
  { command: 'agents', args: {}, line: 'agents', needs: 'read' },
  { command: 'help', args: {}, line: 'help', needs: 'read', tool: null },
  { command: 'logs', args: { member: 'alpha', count: 3 }, line: 'logs alpha 3', needs: 'read' },
  { command: 'servers', args: {}, line: 'servers', needs: 'read' },
  { command: 'metrics', args: {}, line: 'metrics', needs: 'read' },
  { command: 'chart', args: { metric: 'healthy' }, line: 'chart healthy', needs: 'read' },
  { command: 'silences', args: {}, line: 'silences', needs: 'read' },
  { command: 'heal', args: { action: 'status' }, line: 'heal status', needs: 'read' },
  { command: 'scan', args: {}, line: 'scan', needs: 'read' },
  { command: 'opportunities', args: {}, line: 'opportunities', needs: 'read' },
  { command: 'price', args: { base: 'WETH', quote: 'USDC' }, line: 'price WETH USDC', needs: 'read' },
  { command: 'pools', args: {}, line: 'pools', needs: 'read' },
  { command: 'trade', args: { id: 'abc', check: true }, line: 'trade abc check=yes', needs: 'read' },
  { command: 'restart', args: { member: 'alpha' }, line: 'restart alpha', needs: 'operate' },
  { command: 'heal', args: { action: 'pause', member: 'alpha' }, line: 'heal pause alpha', needs: 'operate' },
  { command: 'silence', args: { member: 'alpha', duration: '30m' }, line: 'silence alpha 30m', needs: 'operate' },
  { command: 'unsilence', args: { member: 'alpha' }, line: 'unsilence alpha', needs: 'operate' },
  { command: 'alert', args: { severity: 'info', message: 'matrix' }, line: 'alert info matrix', needs: 'operate' },
  { command: 'stop', args: { member: 'beta' }, line: 'stop beta', needs: 'operate' },
  { command: 'start', args: { member: 'beta' }, line: 'start beta', needs: 'operate' },
  // The model reaches MCP tools directly, through /execute with the tool's permission (a third-party tool: operate).
  { command: 'execute', args: { target: 'alpha', tool: 'echo', args: '{"text":"hi"}' }, line: `execute alpha echo '{"text":"hi"}'`, needs: 'operate', tool: { name: 'alpha__sleep', args: { ms: 1 } } },
  { command: 'trade', args: { id: 'abc' }, line: 'trade abc', needs: 'operate' },
];
const ROLES = ['none', 'read', 'operate', 'admin'] as const;
const RANK = { none: -1, read: 0, operate: 1, admin: 2 } as const;
const allowed = (role: (typeof ROLES)[number], needs: Permission) => RANK[role] >= RANK[needs];
const caller = (role: (typeof ROLES)[number]): Caller => ({ id: `matrix-${role}`, name: `as ${role}`, permission: role, via: 'discord' });
const asker: Caller = { id: 'matrix-asker', name: 'asker', permission: 'admin', via: 'discord' };

describe('permission matrix', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let model: FakeOpenAI;
  let denied = 0;

  beforeAll(async () => {
    model = await startFakeOpenAI(() => ({ say: 'ok' }));
    s = await startStack([testServer('alpha'), testServer('beta')], {
      env: { OPENAI_BASE_URL: model.url, RATE_LIMIT_COMMANDS: '10000', RATE_LIMIT_CHAT: '10000', CHAT_TOOLS: 'alpha.sleep' },
    });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await model?.close();
  });

  it('covers every command', () => {
    expect(new Set(VARIANTS.map((v) => v.command))).toEqual(new Set(s.dispatcher.commands.map((c) => c.name)));
  });

  describe.each(VARIANTS)('$line', (variant) => {
    it.each(ROLES)('as %s', async (role) => {
      const who = caller(role);
      const refusal = `you need the \`${variant.needs}\` permission for this (you have \`${role}\`)`;
      const expectOutcome = (title: string | undefined, path: string) => {
        if (allowed(role, variant.needs)) expect(title, path).not.toBe(refusal);
        else {
          expect(title, path).toBe(refusal);
          denied++;
        }
      };

      // Slash: the arguments arrive as an object.
      const slash = await s.dispatcher.check({ caller: who, channel: 'matrix', command: variant.command, args: variant.args, origin: 'shared' });
      expectOutcome(slash.ok ? undefined : slash.reply.title, 'slash');

      // `!` (and the console): a text line.
      const parsed = s.dispatcher.parseLine(`!${variant.line}`, who, 'matrix', 'shared');
      expect('tone' in parsed, `${variant.line} parses`).toBe(false);
      const bang = await s.dispatcher.check(parsed as Exclude<typeof parsed, { tone: string }>);
      expectOutcome(bang.ok ? undefined : bang.reply.title, '!');

      // A button: someone with every right asked; this role presses Confirm.
      const id = await s.dispatcher.propose({ caller: asker, channel: 'matrix', command: variant.command, args: variant.args });
      const press = await s.dispatcher.answer(id, who, 'confirm');
      expectOutcome(press.kind === 'refused' ? press.reply.title : undefined, 'button');
      if (press.kind !== 'confirmed') await s.dispatcher.answer(id, asker, 'cancel');

      // Chat: the model calls the command as a tool on this user's behalf, who asked for it in their own words.
      if (variant.tool === null) return;
      const tool = variant.tool ?? { name: variant.command, args: variant.args };
      model.use((req, i) => (i === 0 ? { call: [tool] } : { say: toolResults(req)[0] ?? '' }));
      const chat = await s.bot.chat.turn(`please run ${variant.line} now, and restart it if needed`, who, `matrix-${role}`);
      if (role === 'none') {
        // No permission at all: refused before the model is called, so nothing of the channel reaches it.
        expect(model.requests, 'no model call').toHaveLength(0);
        expect(chat.reply.title).toBe('you need the `read` permission for this (you have `none`)');
        return;
      }
      const result = toolResults(model.requests[1] ?? { model: '', messages: [] })[0];
      if (allowed(role, variant.needs)) {
        expect(result ?? '', 'chat').not.toBe(`refused: ${refusal}`);
        if (variant.needs !== 'read') expect(chat.confirmation, 'a change in chat waits for a yes').toBeDefined();
      } else {
        expect(result, 'chat').toBe(`refused: ${refusal}`);
        expect(chat.confirmation).toBeUndefined();
        denied++;
      }
    });
  });

  it('audited every refusal', async () => {
    const entries = await new AuditLog(s.hub, async () => {}).recent(10_000);
    expect(entries.filter((e) => e.outcome === 'denied' && e.user.id.startsWith('matrix-'))).toHaveLength(denied);
    expect(denied).toBeGreaterThan(0);
  });
});
