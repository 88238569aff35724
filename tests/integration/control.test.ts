import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../config/index.js';
import { startDiscordStack } from '../support/discord-stack.js';
import { testServer } from '../support/fleet.js';
import { operator } from '../support/stack.js';

// The controls an operator coming from the seeds expects, on the real stack (real Redis, real MCP members) through
// the console's road and through Discord (the real discord.js against the fake Discord).

describe('control: start, stop, test alerts, tools across the fleet', () => {
  let d: Awaited<ReturnType<typeof startDiscordStack>>;
  const ask = (line: string) => d.s.dispatcher.dispatchLine(line, operator, 'console');
  const state = async (name: string) => (await d.s.fleet!.backend.list()).find((m) => m.name === name)!;

  beforeAll(async () => {
    d = await startDiscordStack([
      testServer('alpha', 'stdio', { tags: ['defi'], health: { tool: 'uptime', interval: '200ms', timeout: '500ms', retries: 2, start_period: '5s' } }),
      testServer('beta', 'stdio', { tags: ['defi'], depends_on: ['alpha'] }),
      testServer('gamma', 'http', { tags: ['ops'] }),
    ]);
  }, 60_000);
  afterAll(async () => {
    expect(d.handles.flatMap((h) => h.rejected())).toEqual([]);
    await d?.stop();
  });

  it('GIVEN /stop of a member nothing depends on THEN it stops, is not healed, and /start brings it back healthy', async () => {
    const stopped = await ask('/stop gamma');
    expect(stopped.title).toMatch(/^stopped gamma in /);
    expect((await state('gamma')).state).not.toBe('running');
    // Nobody restarts it: the healer has it paused, and its alerts are silenced until /start.
    expect((await ask('/heal status gamma')).table!.rows[0]!.cells.join(' ')).toMatch(/paused/);
    expect((await ask('/silences')).table!.rows.map((r) => r.cells[0])).toContain('gamma');
    const started = await ask('/start gamma');
    expect(started.title).toMatch(/^started gamma in .* — healthy$/);
    expect((await state('gamma')).state).toBe('running');
    expect((await ask('/silences')).title).toBe('no member is silenced');
  });

  it('GIVEN /stop of a member others depend on THEN it names them and asks, even in the console; nothing stops', async () => {
    const reply = await ask('/stop alpha');
    expect(reply.tone).toBe('warn');
    expect(reply.title).toBe('Stop alpha?');
    expect(reply.body).toContain('note: beta depends on alpha and will lose it');
    expect((await state('alpha')).state).toBe('running');
  });

  it('GIVEN /execute all status THEN one line per member: its health tool, or its ping', async () => {
    const reply = await ask('/execute all status');
    expect(reply.title).toBe('status on all: 3 of 3 ok');
    const rows = Object.fromEntries(reply.table!.rows.map((r) => [r.cells[0], r.cells[1]]));
    expect(Object.keys(rows).sort()).toEqual(['alpha', 'beta', 'gamma']);
    expect(rows.beta).toMatch(/^ok: ping \d+ ms$/);
    expect(rows.alpha).toMatch(/^ok: up \d+ ms$/);
  });

  it('GIVEN /execute tag:defi echo THEN only the tagged members answer, one line each', async () => {
    const reply = await ask(`/execute tag:defi echo '{"text":"hello"}'`);
    expect(reply.title).toBe('echo on tag:defi: 2 of 2 ok');
    expect(reply.table!.rows.map((r) => r.cells)).toEqual([
      ['alpha', 'ok: hello'],
      ['beta', 'ok: hello'],
    ]);
  });

  it('GIVEN a tool nobody has, a tag nobody has THEN one line says which members or tags there are', async () => {
    expect((await ask('/execute tag:nope echo')).title).toBe('no member has the tag `nope` — tags: defi, ops');
    expect((await ask('/execute gamma no_such_tool')).title).toBe('no member of gamma has a tool `no_such_tool`');
    expect((await ask('/execute all say_to_stderr')).title).toMatch(/^status|say_to_stderr on all: /);
  });

  it('GIVEN /alert warning THEN a test alert reaches the alerts channel, marked as a test', async () => {
    const reply = await ask('/alert warning "checking the pager"');
    expect(reply.title).toMatch(/^test alert test-[0-9a-f]+ sent \(warning\); its resolved notice follows in 1 min$/);
    const posted = await d.fake.waitForMessage(d.ids.alerts, (m) => m.embeds.some((e: { title?: string }) => e.title?.includes('TEST warning alert: checking the pager')), 15_000);
    expect(JSON.stringify(posted.embeds)).toContain('nothing is wrong');
    // Its resolved notice is waiting in the queue for its time.
    const delayed = await d.s.shared.notify.queue.getJobs(['delayed']);
    expect(delayed.some((j) => j.name === 'alert' && j.data.status === 'resolved' && j.data.title.includes('checking the pager'))).toBe(true);
  });

  it("GIVEN the seeds' forms on Discord THEN !execute all status and !restart server alpha work", async () => {
    const status = await d.bang('alice', '!execute all status', (m) => m.embeds.length > 0);
    expect(status.embeds[0].title).toBe('status on all: 3 of 3 ok');
    const restart = await d.bang('alice', '!restart server alpha', (m) => m.embeds.length > 0);
    // Typed on a shared channel: a restart asks first.
    expect(restart.embeds[0].title).toBe('Restart alpha?');
  });

  it("GIVEN the seeds' variable names THEN they are read as fleetbot's, with a note, and a clash is an error", () => {
    const env = { DISCORD_BOT_TOKEN: 'tok', DISCORD_ALERTS_CHANNEL_ID: '123456789012345678', DISCORD_LOGS_CHANNEL_ID: '223456789012345678', PATH: process.env.PATH };
    const config = loadEnvConfig(env, '/tmp');
    expect(config.discord?.token).toBe('tok');
    expect(config.discord?.channels).toMatchObject({ alert: '123456789012345678', logs: '223456789012345678' });
    expect(config.notes).toEqual([
      'DISCORD_BOT_TOKEN is read as DISCORD_TOKEN, the name fleetbot prefers',
      'DISCORD_ALERTS_CHANNEL_ID is read as DISCORD_ALERTS_CHANNEL, the name fleetbot prefers',
      'DISCORD_LOGS_CHANNEL_ID is read as DISCORD_LOGS_CHANNEL, the name fleetbot prefers',
    ]);
    expect(() => loadEnvConfig({ ...env, DISCORD_TOKEN: 'other' }, '/tmp')).toThrow(/DISCORD_BOT_TOKEN and DISCORD_TOKEN are both set, to different values/);
  });
});

