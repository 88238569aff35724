import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../bot/dashboard/server.js';
import type { DiscordConfig } from '../../config/index.js';
import { ApiTokenStore } from '../../state/api-tokens.js';
import { WebSessions } from '../../state/web-sessions.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { snowflake } from '../support/fake-discord/snowflake.js';
import { testServer, waitFor } from '../support/fleet.js';
import { fragmentsShown, LOOK_ALIKES, SECRET_CORPUS } from '../support/secrets.js';
import { reader, startStack } from '../support/stack.js';

// The dashboard's trust boundary against the real pieces: real fastify and Bull Board, real Redis (sessions, tokens,
// queues, the audit stream), and sign-in through the fake Discord's OAuth2 with arctic's real client.
// Holes of issue 12: 1 (Bull Board writes with the shared token), 2 (secrets in the snapshot and stream), 9 (open
// redirect), 11 (the cookie held the master token).

const SHARED = 'shared-dashboard-token-0123456789';
const GITHUB_TOKEN = `ghp_${'A1b2C3d4E5'.repeat(4)}`;
const PG_PASSWORD = 'Pg-Sup3r-S3cret';

describe('dashboard trust boundary', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let fake: FakeDiscord;
  let base: string;
  let close: () => Promise<void>;
  const ids = { guild: snowflake(), admin: snowflake(), ops: snowflake(), alice: snowflake(), olga: snowflake(), rita: snowflake(), mallory: snowflake() };
  const tokens = () => new ApiTokenStore(s.hub);

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers, redirect: 'manual' });
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    fetch(`${base}${path}`, { method, headers: { origin: base, ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body, redirect: 'manual' });
  const cookieOf = (response: Response) => response.headers.getSetCookie().find((c) => c.startsWith('fleetbot_session='))?.split(';')[0];
  const audit = () => s.shared.audit.recent(200);
  /** Signs in with a personal token through the sign-in form; the session cookie. */
  const signInWithToken = async (token: string) => {
    const response = await fetch(`${base}/auth/token`, { method: 'POST', headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, next: '/' }).toString(), redirect: 'manual' });
    expect(response.status).toBe(303);
    return cookieOf(response)!;
  };
  /** The browser's road through "Sign in with Discord", one redirect at a time; the last answer and the session cookie. */
  const signInWithDiscord = async (userId: string, next = '/') => {
    fake.oauth.signInAs(userId);
    const start = await get(`/auth/discord?next=${encodeURIComponent(next)}`);
    expect(start.status).toBe(302);
    const oauthCookie = start.headers.getSetCookie().find((c) => c.startsWith('fleetbot_oauth='))!.split(';')[0]!;
    const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    const callback = await fetch(authorize.headers.get('location')!, { headers: { cookie: oauthCookie }, redirect: 'manual' });
    return { callback, cookie: cookieOf(callback) };
  };
  const failedJob = async () => {
    const queue = s.hub.queue('ops');
    const job = await queue.add('restart', { member: 'pg', requestedBy: 'test' }, { attempts: 1 });
    const worker = new Worker('ops', async () => { throw new Error('boom'); }, { connection: s.hub.connect(), prefix: s.hub.prefix });
    await waitFor(async () => ((await queue.getJobState(job.id!)) === 'failed' ? true : undefined), { what: 'the job failed', timeoutMs: 20_000 });
    await worker.close();
    return { queue, id: job.id! };
  };

  beforeAll(async () => {
    fake = await startFakeDiscord({
      guilds: [
        {
          id: ids.guild,
          name: 'defi-ops',
          channels: [{ id: snowflake(), name: 'ops' }],
          roles: [
            { id: ids.admin, name: 'admin' },
            { id: ids.ops, name: 'ops' },
          ],
          members: [
            { user: { id: ids.alice, username: 'alice' }, roles: [ids.admin] },
            { user: { id: ids.olga, username: 'olga' }, roles: [ids.ops] },
            { user: { id: ids.rita, username: 'rita' }, roles: [] },
          ],
        },
        { id: snowflake(), name: 'elsewhere', channels: [{ id: snowflake(), name: 'general' }], roles: [], members: [{ user: { id: ids.mallory, username: 'mallory' }, roles: [] }] },
      ],
    });
    s = await startStack([testServer('pg')], { agents: [] });
    const discord: DiscordConfig = {
      token: fake.token,
      guildId: ids.guild,
      apiUrl: fake.apiUrl,
      grants: { admin: { roles: [ids.admin], users: [] }, operate: { roles: [ids.ops], users: [] }, read: { roles: [], users: [] } },
      defaultPermission: 'read',
      channels: {},
      chatChannels: [],
      signIn: { clientId: fake.applicationId, clientSecret: fake.oauth.clientSecret },
    };
    const dashboard = await startDashboard({ host: '127.0.0.1', port: 0, token: SHARED, publicViews: false, discord, audit: s.shared.audit, watch: s.bot.watch, hub: s.hub, log: s.stack.log });
    base = dashboard.url;
    close = dashboard.close;
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await s?.stop();
    await fake?.close();
  });

  it('GIVEN the shared dashboard token THEN the read-only views and /metrics, and nothing else — no job added, no Bull Board', async () => {
    const bearer = { authorization: `Bearer ${SHARED}` };
    for (const path of ['/api/snapshot', '/metrics']) expect((await get(path, bearer)).status, path).toBe(200);
    for (const path of ['/queues', '/queues/api/queues', '/admin/queues']) expect((await get(path, bearer)).status, path).toBe(403);
    const execute = s.hub.queue('execute');
    const before = await execute.getJobCounts();
    const add = await send('POST', '/queues/api/queues/execute/add', bearer, JSON.stringify({ name: 'execute', data: { id: 'x', requestedBy: 'mallory' } }));
    expect(add.status).toBe(403);
    const addAdmin = await send('POST', '/admin/queues/api/queues/execute/add', bearer, JSON.stringify({ name: 'execute', data: { id: 'x' } }));
    expect(addAdmin.status).toBe(403);
    expect(await execute.getJobCounts()).toEqual(before);
    // The link with the token becomes a session: the cookie holds a signed random id, never the token.
    const link = await get(`/?token=${SHARED}`);
    expect(link.status).toBe(302);
    const cookie = cookieOf(link)!;
    expect(link.headers.getSetCookie()[0]).toMatch(/^fleetbot_session=[^;]+; HttpOnly; SameSite=Lax; Path=\/; Max-Age=\d+$/);
    expect(decodeURIComponent(cookie)).not.toContain(SHARED);
    expect((await get('/api/snapshot', { cookie })).status).toBe(200);
    expect((await send('POST', '/queues/api/queues/execute/add', { cookie }, JSON.stringify({ name: 'x', data: {} }))).status).toBe(403);
    expect(await execute.getJobCounts()).toEqual(before);
  });

  it('GIVEN people with tokens THEN Bull Board is read-only for read and operate; retry and remove for admins only, audited; clean, empty, obliterate and add never', async () => {
    const { queue, id } = await failedJob();
    const rita = await signInWithToken((await tokens().create('rita', 'read')).token);
    const olga = await signInWithToken((await tokens().create('olga', 'operate')).token);
    const ada = await signInWithToken((await tokens().create('ada', 'admin')).token);
    // Everyone signed in reads the read-only board; its queues say so.
    const listing = await get('/queues/api/queues?activeQueue=ops&status=failed&page=1&jobsPerPage=10', { cookie: rita });
    expect(listing.status).toBe(200);
    const queues = (await listing.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(queues.queues.find((q) => q.name === 'ops')?.readOnlyMode).toBe(true);
    // Not an admin: refused on both boards, for every write, and nothing changes.
    for (const cookie of [rita, olga]) {
      expect((await get('/admin/queues', { cookie })).status).toBe(403);
      for (const [method, path] of [
        ['PUT', `/queues/api/queues/ops/${id}/retry`],
        ['PUT', `/admin/queues/api/queues/ops/${id}/retry`],
        ['PUT', '/admin/queues/api/queues/ops/retry/failed'],
        ['PUT', `/admin/queues/api/queues/ops/${id}/clean`],
        ['PUT', '/admin/queues/api/queues/ops/clean/failed'],
        ['PUT', '/admin/queues/api/queues/ops/obliterate'],
      ] as const) expect((await send(method, path, { cookie })).status, `${method} ${path}`).toBe(403);
    }
    expect(await queue.getJobState(id)).toBe('failed');
    // An admin: clean, empty, obliterate and add are still refused; retry works and is audited under the admin's name.
    for (const [method, path] of [
      ['PUT', '/admin/queues/api/queues/ops/clean/failed'],
      ['PUT', '/admin/queues/api/queues/ops/empty'],
      ['PUT', '/admin/queues/api/queues/ops/obliterate'],
      ['PUT', '/admin/queues/api/queues/ops/pause'],
      ['POST', '/admin/queues/api/queues/ops/add'],
    ] as const) expect((await send(method, path, { cookie: ada }, method === 'POST' ? JSON.stringify({ name: 'restart', data: { member: 'pg' } }) : undefined)).status, `${method} ${path}`).toBe(403);
    expect(await queue.getJobCounts('waiting', 'failed')).toEqual({ waiting: 0, failed: 1 });
    // From another site, the admin's own cookie is not enough.
    expect((await send('PUT', `/admin/queues/api/queues/ops/${id}/retry`, { cookie: ada, origin: 'http://evil.example' })).status).toBe(403);
    expect(await queue.getJobState(id)).toBe('failed');
    expect((await send('PUT', `/admin/queues/api/queues/ops/${id}/retry`, { cookie: ada })).status).toBe(204);
    expect(await queue.getJobState(id)).toBe('waiting');
    expect((await send('PUT', `/admin/queues/api/queues/ops/${id}/clean`, { cookie: ada })).status).toBe(204);
    expect(await queue.getJob(id)).toBeUndefined();
    const trail = await audit();
    const web = trail.filter((e) => e.via === 'dashboard');
    expect(web.find((e) => e.command === 'queues.retry' && e.outcome === 'ok')).toMatchObject({ user: { id: 'token:ada', name: 'ada' }, args: { queue: 'ops', job: id } });
    expect(web.find((e) => e.command === 'queues.remove' && e.outcome === 'ok')).toMatchObject({ user: { name: 'ada' } });
    expect(web.filter((e) => e.outcome === 'denied' && e.user.name === 'rita').length).toBeGreaterThanOrEqual(5);
    expect(web.some((e) => e.outcome === 'denied' && e.user.name === 'ada' && e.command.includes('obliterate'))).toBe(true);
    // Signing out ends the session at once.
    expect((await send('POST', '/auth/sign-out', { cookie: rita })).status).toBe(303);
    expect((await get('/api/snapshot', { cookie: rita })).status).toBe(401);
  }, 60_000);

  it('GIVEN a revoked token THEN its sessions end and it opens nothing; only its hash is in Redis', async () => {
    const { token } = await tokens().create('temp', 'operate');
    const cookie = await signInWithToken(token);
    expect((await get('/api/me', { cookie })).status).toBe(200);
    const stored = JSON.stringify(await s.hub.client.hgetall(s.hub.key('api-tokens')));
    expect(stored).not.toContain(token);
    expect(await tokens().list()).toContainEqual(expect.objectContaining({ name: 'temp', permission: 'operate' }));
    expect(await tokens().revoke('temp')).toBe(true);
    expect(await new WebSessions(s.hub).closeAll('token:temp')).toBe(1);
    expect((await get('/api/me', { cookie })).status).toBe(401);
    expect((await get('/api/me', { authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await fetch(`${base}/auth/token`, { method: 'POST', headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` })).status).toBe(401);
  });

  it('GIVEN the whole secrets corpus in member reasons and healing entries THEN the snapshot shows none of it, and keeps every look-alike', async () => {
    const members = SECRET_CORPUS.map((sample, i) => ({ name: `m${i}`, description: 'x', kind: 'mcp', transport: 'stdio', state: 'running', health: 'unhealthy', reason: sample.text, restarts: 0, tags: [] }));
    const harmless = LOOK_ALIKES.map((l, i) => ({ ...members[0]!, name: `ok${i}`, reason: l.text }));
    await s.hub.client.set(s.hub.key('fleet-status'), JSON.stringify({ members: [...members, ...harmless], at: Date.now() }));
    for (const sample of SECRET_CORPUS.slice(0, 40)) {
      await s.shared.audit.record({ at: Date.now(), user: { id: 'healer', name: 'healer' }, via: 'healer', channel: 'fleet', command: 'heal', args: { member: 'm0' }, outcome: 'ok', detail: sample.text });
    }
    const snapshot = await (await get('/api/snapshot', { authorization: `Bearer ${SHARED}` })).text();
    const leaks = SECRET_CORPUS.flatMap((sample) => fragmentsShown(sample.secret, snapshot).map((f) => `${sample.kind}: ${f}`));
    expect(leaks).toEqual([]);
    for (const l of LOOK_ALIKES) expect(snapshot, l.text).toContain(JSON.stringify(l.text).slice(1, -1));
  }, 30_000);

  it('GIVEN a secret in a member reason, a healing entry and an audited /execute THEN neither the snapshot nor the live stream carries it', async () => {
    const member = { name: 'pg', description: 'db', kind: 'mcp', transport: 'stdio', state: 'running', health: 'unhealthy', reason: `git fetch failed: https://x-access-token:${GITHUB_TOKEN}@github.com/o/r and token ${GITHUB_TOKEN}`, restarts: 0, tags: [] };
    await s.hub.client.set(s.hub.key('fleet-status'), JSON.stringify({ members: [member], at: Date.now() }));
    await s.shared.audit.record({ at: Date.now(), user: { id: 'healer', name: 'healer' }, via: 'healer', channel: 'fleet', command: 'heal', args: { member: 'pg' }, outcome: 'ok', detail: `restarted pg (GITHUB_TOKEN=${GITHUB_TOKEN})` });
    // A read person's /execute of a tool (what /call was) is denied — and audited with the arguments as sent.
    const denied = await s.dispatcher.dispatchLine(`/execute pg query {"url":"postgres://app:${PG_PASSWORD}@db.internal:5432/app","password":"${PG_PASSWORD}"}`, reader, 'ops');
    expect(denied.title).toMatch(/you need/);
    // What the health agent wrote is raw; the audit trail redacts arguments as it records them — the web redacts again.
    expect(await s.hub.client.get(s.hub.key('fleet-status'))).toContain(GITHUB_TOKEN);
    expect((await audit()).some((e) => e.command === 'execute' && e.outcome === 'denied')).toBe(true);
    const bearer = { authorization: `Bearer ${SHARED}` };
    const snapshot = await (await get('/api/snapshot', bearer)).text();
    expect(snapshot).toContain('"pg"');
    expect(snapshot).toContain('query');
    expect(snapshot).toContain('[REDACTED');
    expect(snapshot).not.toContain(GITHUB_TOKEN);
    expect(snapshot).not.toContain(PG_PASSWORD);
    // The live stream: the first event that carries the member.
    const controller = new AbortController();
    const events = await fetch(`${base}/events`, { headers: bearer, signal: controller.signal });
    const reader_ = events.body!.getReader();
    let text = '';
    const deadline = Date.now() + 20_000;
    while (!(text.includes('"pg"') && text.includes('heal') && text.includes('\n\n')) && Date.now() < deadline) text += new TextDecoder().decode((await reader_.read()).value);
    controller.abort();
    expect(text).toContain('"pg"');
    expect(text).not.toContain(GITHUB_TOKEN);
    expect(text).not.toContain(PG_PASSWORD);
  }, 30_000);

  it('GIVEN sign-in with Discord THEN the roles in the guild decide the permission; a stranger to the guild gets no session', async () => {
    const admin = await signInWithDiscord(ids.alice, '/admin/queues');
    expect(admin.callback.status).toBe(302);
    expect(admin.callback.headers.get('location')).toBe('/admin/queues');
    expect(await (await get('/api/me', { cookie: admin.cookie! })).json()).toEqual({ name: 'alice', permission: 'admin', scope: 'person' });
    expect((await get('/admin/queues', { cookie: admin.cookie! })).status).toBe(200);
    const operator = await signInWithDiscord(ids.olga);
    expect(await (await get('/api/me', { cookie: operator.cookie! })).json()).toMatchObject({ name: 'olga', permission: 'operate' });
    const plain = await signInWithDiscord(ids.rita);
    expect(await (await get('/api/me', { cookie: plain.cookie! })).json()).toMatchObject({ name: 'rita', permission: 'read' });
    const stranger = await signInWithDiscord(ids.mallory);
    expect(stranger.callback.status).toBe(403);
    expect(stranger.cookie).toBeUndefined();
    expect(fake.oauth.log.filter((l) => l.what === 'member').map((l) => l.status)).toEqual([200, 200, 200, 404]);
    // A callback without the browser's own sign-in cookie (a code planted by someone else) opens nothing.
    fake.oauth.signInAs(ids.alice);
    const start = await get('/auth/discord');
    const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const planted = await fetch(authorize.headers.get('location')!, { redirect: 'manual' });
    expect(planted.status).toBe(400);
    expect(cookieOf(planted)).toBeUndefined();
  });

  it('GIVEN //evil.example/ or an off-site next THEN every redirect stays on the dashboard', async () => {
    const viaToken = await get(`//evil.example/?token=${SHARED}`);
    expect(viaToken.status).toBe(302);
    expect(viaToken.headers.get('location')).toBe('/');
    const cookie = cookieOf(viaToken)!;
    for (const path of ['//evil.example/', '/\\evil.example/', '//evil.example/%2e%2e']) {
      const response = await get(path, { cookie, accept: 'text/html' });
      expect(response.headers.get('location') ?? '', path).not.toMatch(/evil/);
    }
    const unsigned = await get('//evil.example/', { accept: 'text/html' });
    expect(unsigned.headers.get('location')).toBe('/sign-in?next=%2F');
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', '/%0d%0aLocation:%20https://evil.example']) {
      const { token } = await tokens().create(`n${Math.random().toString(36).slice(2, 8)}`, 'read');
      const form = await fetch(`${base}/auth/token`, { method: 'POST', headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, next: decodeURIComponent(next) }).toString(), redirect: 'manual' });
      expect(form.headers.get('location'), next).toBe('/');
      const discord = await signInWithDiscord(ids.alice, decodeURIComponent(next));
      expect(discord.callback.headers.get('location'), next).toBe('/');
    }
  });
});
