import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStack } from '../support/discord-stack.js';
import type { FakeDiscord } from '../support/fake-discord/index.js';
import { testServer, waitFor } from '../support/fleet.js';

// fleetbot's Discord transport and notifier, driven through the real discord.js client against the fake Discord,
// with the whole ops loop behind it (real Redis, real MCP members). The fake refuses any initial response later than
// Discord's 3 seconds; every interaction here is checked for that.

describe('fleetbot on Discord', () => {
  let d: Awaited<ReturnType<typeof startDiscordStack>>;
  let fake: FakeDiscord;
  let s: Awaited<ReturnType<typeof startDiscordStack>>['s'];
  let ids: Awaited<ReturnType<typeof startDiscordStack>>['ids'];
  const slash = (...a: Parameters<typeof d.slash>) => d.slash(...a);
  const button = (...a: Parameters<typeof d.button>) => d.button(...a);
  const bang = (...a: Parameters<typeof d.bang>) => d.bang(...a);
  const restarts = async (name: string) => (await s.fleet!.backend.list()).find((m) => m.name === name)!.restarts;

  beforeAll(async () => {
    d = await startDiscordStack([testServer('alpha', 'stdio'), testServer('beta', 'http')]);
    ({ fake, s, ids } = d);
  }, 60_000);

  afterAll(async () => {
    // Every interaction of every test was answered within Discord's deadline: the fake refused nothing.
    expect(d.handles.flatMap((h) => h.rejected())).toEqual([]);
    await d?.stop();
  });

  it('registers every command in the guild, with options derived from commands/', () => {
    const names = fake.commands(ids.guild).map((c: { name: string }) => c.name).sort();
    expect(names).toEqual(s.dispatcher.commands.map((c) => c.name).sort());
    const logs = fake.commands(ids.guild).find((c: { name: string }) => c.name === 'logs') as { options: { name: string; autocomplete?: boolean }[] };
    expect(logs.options.map((o) => [o.name, o.autocomplete ?? false])).toEqual([['member', true], ['count', false]]);
  });

  it('GIVEN /status THEN a deferred reply, edited into an embed with one line per member coloured by health', async () => {
    const handle = slash('bob', 'status');
    const response = await handle.response();
    expect(response.type).toBe(5);
    expect(response.afterMs).toBeLessThan(3000);
    const message = await handle.waitForOriginal((m) => m.embeds.length > 0, 10_000);
    expect(message.embeds[0].title).toBe('fleet: 2 members — 2 healthy');
    expect(message.embeds[0].description.split('\n')).toEqual([
      expect.stringMatching(/^⚪ `MEMBER +STATE +HEALTH/),
      expect.stringMatching(/^🟢 `alpha +running +healthy/),
      expect.stringMatching(/^🟢 `beta +running +healthy/),
    ]);
    expect(message.embeds[0].color).toBe(0x2ecc71);
  });

  it('GIVEN /restart THEN Confirm / Cancel; a press by someone without the role is refused; Confirm edits in the result', async () => {
    const before = await restarts('alpha');
    const ask = slash('alice', 'restart', [{ name: 'member', type: 3, value: 'alpha' }]);
    const prompt = await ask.original();
    expect(prompt.embeds[0].title).toBe('Restart alpha?');
    const [confirm, cancel] = prompt.components[0].components.map((c: { custom_id: string; label: string }) => c);
    expect([confirm.label, cancel.label]).toEqual(['Confirm', 'Cancel']);
    expect(confirm.custom_id.length).toBeLessThanOrEqual(100);
    expect(confirm.custom_id).not.toContain(fake.token);

    const intruder = button('bob', confirm.custom_id, prompt.id);
    const refusal = await intruder.response();
    expect(refusal.type).toBe(4);
    expect(refusal.data.flags & 64).toBe(64);
    expect(refusal.data.embeds[0].title).toBe('you need the `ops` role for this');
    expect(await restarts('alpha')).toBe(before);
    expect(fake.messages(ids.ops).find((m) => m.id === prompt.id)!.components).toHaveLength(1);

    const press = button('alice', confirm.custom_id, prompt.id);
    expect((await press.response()).type).toBe(6);
    const done = await fake.waitForMessage(ids.ops, (m) => m.id === prompt.id && m.embeds[0]?.title?.startsWith('restarted'), 15_000);
    expect(done.embeds[0].title).toMatch(/^restarted alpha in \d+\.\d+ s — healthy$/);
    expect(done.components).toEqual([]);
    expect(await restarts('alpha')).toBe(before + 1);

  });

  it('GIVEN a confirmation older than 15 minutes THEN pressing it says it expired, and nothing runs', async () => {
    const before = await restarts('alpha');
    const prompt = await slash('alice', 'restart', [{ name: 'member', type: 3, value: 'alpha' }]).original();
    // 15 minutes later, as Redis sees it: the pending request is gone.
    const keys = await s.hub.client.keys(s.hub.key('confirm', '*'));
    await s.hub.client.del(...keys);
    const press = button('alice', prompt.components[0].components[0].custom_id, prompt.id);
    expect((await press.response()).type).toBe(7);
    const expired = await fake.waitForMessage(ids.ops, (m) => m.id === prompt.id && m.embeds[0]?.title === 'This confirmation has expired — ask again');
    expect(expired.components).toEqual([]);
    expect(await restarts('alpha')).toBe(before);
  });

  it('GIVEN /restart THEN Cancel leaves everything as it was', async () => {
    const before = await restarts('beta');
    const ask = slash('alice', 'restart', [{ name: 'member', type: 3, value: 'beta' }]);
    const prompt = await ask.original();
    const cancelId = prompt.components[0].components[1].custom_id;
    const press = button('alice', cancelId, prompt.id);
    expect((await press.response()).type).toBe(7);
    const cancelled = await fake.waitForMessage(ids.ops, (m) => m.id === prompt.id && m.embeds[0]?.title === 'Cancelled by alice');
    expect(cancelled.components).toEqual([]);
    expect(await restarts('beta')).toBe(before);
  });

  it('GIVEN a /restart by someone without the role THEN a private "you need the ops role" and nothing happens', async () => {
    const before = await restarts('alpha');
    const handle = slash('bob', 'restart', [{ name: 'member', type: 3, value: 'alpha' }]);
    const response = await handle.response();
    expect(response.data.flags & 64).toBe(64);
    expect(response.data.embeds[0].title).toBe('you need the `ops` role for this');
    expect(response.data.components ?? []).toEqual([]);
    expect(await restarts('alpha')).toBe(before);
  });

  it('GIVEN an unknown member THEN a private error that suggests the right one', async () => {
    const response = await slash('bob', 'logs', [{ name: 'member', type: 3, value: 'alfa' }]).response();
    expect(response.data.flags & 64).toBe(64);
    expect(response.data.embeds[0].title).toBe('unknown member `alfa` — did you mean `alpha`? members: alpha, beta');
  });

  it('GIVEN member autocomplete THEN matching member names', async () => {
    const handle = fake.autocomplete({ guildId: ids.guild, channelId: ids.ops, userId: ids.bob, name: 'logs', options: [{ name: 'member', type: 3, value: 'be', focused: true }] });
    d.handles.push(handle);
    const response = await handle.response();
    expect(response).toMatchObject({ type: 8, data: { choices: [{ name: 'beta', value: 'beta' }] } });
  });

  it('GIVEN !status THEN the same answer as a reply in the channel', async () => {
    const reply = await bang('bob', '!status', (m) => m.embeds.length > 0);
    expect(reply.embeds[0].title).toBe('fleet: 2 members — 2 healthy');
    expect(reply.allowedMentions).toMatchObject({ parse: [] });
  });

  it('GIVEN !logs with 5,000 lines of output THEN they arrive whole, as an attachment', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} of a long story`);
    await s.fleet!.pool.callTool('alpha', 'say_to_stderr', { line: lines.join('\n') });
    await waitFor(async () => ((await s.fleet!.backend.logs('alpha', { tail: 1 }))[0]?.endsWith('line 4999 of a long story') ? true : undefined));
    const reply = await bang('bob', '!logs alpha 5000', (m) => m.attachments.length > 0);
    expect(reply.embeds[0].title).toBe('last 5000 log lines of alpha');
    expect(reply.attachments[0]!.filename).toBe('alpha.log');
    const text = reply.attachments[0]!.content.toString('utf8').split('\n');
    expect(text).toHaveLength(5000);
    expect(text.map((l) => l.slice(25))).toEqual(lines);
  });

  it('GIVEN a !restart by someone without the role THEN refused in the channel, nothing restarted', async () => {
    const before = await restarts('beta');
    const reply = await bang('bob', '!restart beta', (m) => m.embeds.length > 0);
    expect(reply.embeds[0].title).toBe('you need the `ops` role for this');
    expect(await restarts('beta')).toBe(before);
  });

  it('GIVEN @everyone in an echoed argument THEN it never pings', async () => {
    const reply = await bang('bob', '!logs @everyone', (m) => m.embeds.length > 0);
    expect(reply.embeds[0].title).toMatch(/^unknown member `@everyone`/);
    expect(reply.allowedMentions).toMatchObject({ parse: [] });
  });

  it('GIVEN a gateway drop mid-session THEN the client resumes and the next command is handled once', async () => {
    const before = fake.gatewayStats();
    fake.dropGateway();
    const handle = slash('bob', 'status');
    const message = await handle.waitForOriginal((m) => m.embeds.length > 0, 10_000);
    expect(message.embeds[0].title).toMatch(/^fleet: 2 members/);
    const after = fake.gatewayStats();
    expect(after.resumes).toBe(before.resumes + 1);
    expect(after.identifies).toBe(before.identifies);
    expect(fake.calls.filter((c) => c.path.startsWith(`/interactions/${handle.id}/`))).toHaveLength(1);
  });

  it('GIVEN a 429 on the alert channel THEN discord.js waits it out and the alert arrives once, pinging on-call', async () => {
    fake.rateLimit({ method: 'POST', path: new RegExp(`^/channels/${ids.alerts}/messages$`) }, { retryAfterSeconds: 0.5, times: 1 });
    await s.shared.notify.add('alert', { key: 'alpha-down', status: 'firing', severity: 'critical', member: 'alpha', title: 'alpha is down', detail: 'exited with code 137', at: Date.now() });
    const posted = await fake.waitForMessage(ids.alerts, (m) => m.embeds[0]?.title === '🔴 FIRING · alpha is down', 10_000);
    expect(posted.content).toBe(`<@&${ids.oncall}>`);
    expect(posted.allowedMentions).toEqual({ parse: [], roles: [ids.oncall] });
    const attempts = fake.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${ids.alerts}/messages`);
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.messages(ids.alerts)).toHaveLength(1);
    await s.shared.notify.add('alert', { key: 'alpha-down', status: 'resolved', severity: 'critical', member: 'alpha', title: 'alpha is no longer down', at: Date.now() });
    await fake.waitForMessage(ids.alerts, (m) => m.embeds[0]?.title === '✅ RESOLVED · alpha is no longer down', 10_000);
  });

  it('GIVEN an alert storm (200 alerts for 3 members over 5 s) THEN a few grouped messages, then resolved notices', async () => {
    const start = fake.messages(ids.alerts).length;
    const members = ['price-feed', 'arbitrage', 'scanner'];
    for (let i = 0; i < 200; i++) {
      const member = members[i % 3]!;
      await s.shared.notify.add('alert', { key: `${member}-unhealthy`, status: 'firing', severity: 'warning', member, title: `${member} is unhealthy`, detail: 'did not answer ping', at: Date.now() });
      await new Promise((r) => setTimeout(r, 25));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const storm = fake.messages(ids.alerts).slice(start);
    expect(storm.length).toBeGreaterThanOrEqual(1);
    expect(storm.length).toBeLessThanOrEqual(3);
    const announced = storm.flatMap((m) => m.embeds.flatMap((e: { fields?: { name: string }[] }) => e.fields ?? []).map((f: { name: string }) => f.name));
    expect(announced.sort()).toEqual(members.map((m) => `🟠 ${m} is unhealthy`).sort());
    for (const member of members) {
      await s.shared.notify.add('alert', { key: `${member}-unhealthy`, status: 'resolved', severity: 'warning', member, title: `${member} is healthy again`, at: Date.now() });
    }
    const resolved = await fake.waitForMessage(ids.alerts, (m) => m.embeds[0]?.title?.startsWith('✅ RESOLVED · 3'), 10_000);
    expect(resolved.embeds[0].description.split('\n')).toHaveLength(3);
  }, 30_000);

  it('GIVEN changes made and refused THEN each is in the audit channel', async () => {
    const audit = await fake.waitForMessage(ids.audit, (m) => m.embeds.some((e: { description?: string }) => e.description?.includes('denied')), 10_000);
    const all = fake.messages(ids.audit).flatMap((m) => m.embeds.map((e: { description?: string }) => e.description ?? '')).join('\n');
    expect(all).toMatch(/✅ \*\*alice\*\* `\/restart alpha` \(discord\) — ok: restarted alpha in/);
    // The reply is shown as text, its markdown escaped: a reply can carry what a person or a tool wrote.
    expect(all).toMatch(/⛔ \*\*bob\*\* `\/restart alpha` \(discord\) — denied: you need the \\`ops\\` role for this/);
    expect(audit.allowedMentions).toMatchObject({ parse: [] });
  });
});
