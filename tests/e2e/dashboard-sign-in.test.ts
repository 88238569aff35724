import { Worker } from 'bullmq';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Dialog, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../bot/dashboard/server.js';
import { startDashboardFor } from '../../bot/roots.js';
import { HealState } from '../../state/heal-state.js';
import { SilenceStore } from '../../state/silences.js';
import type { DiscordConfig } from '../../config/index.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { snowflake } from '../support/fake-discord/snowflake.js';
import { confirmNext, launchChromium, noticeMatches, tokenSignIn } from '../support/browser.js';
import { ROOT, testServer, waitFor } from '../support/fleet.js';
import { startStack } from '../support/stack.js';

// Sign-in in a real Chromium: through the fake Discord's OAuth2 (arctic's client on the server side), then Bull Board
// as each person's permission allows — an operator reads the failed jobs, a read person is refused the admin actions,
// an admin retries a job from Bull Board's own page; every action (and refusal) lands in the audit trail.

// Code run inside the page (page.evaluate / waitForFunction) sees the browser's globals.
declare const window: { fleetbotMe?: unknown; fleetbotLoadedAt: number };
declare const document: { getElementById(id: string): { textContent: string | null } | null };

const ARTIFACTS = path.join(ROOT, 'tests/artifacts');

describe('dashboard sign-in in a browser', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let fake: FakeDiscord;
  let base: string;
  let close: () => Promise<void>;
  let browser: Browser;
  let failedId: string;
  const ids = { guild: snowflake(), admin: snowflake(), ops: snowflake(), alice: snowflake(), olga: snowflake(), rita: snowflake() };

  /** A fresh browser profile that signs in with Discord as `userId` and lands on `next`. */
  const signIn = async (userId: string, next: string): Promise<Page> => {
    fake.oauth.signInAs(userId);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}${next}`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.click('#discord');
    await page.waitForURL((url) => url.origin === base && url.pathname === next.split('?')[0]);
    return page;
  };
  /** Bull Board's per-job Retry: an icon button (lucide's refresh icon) in the job card. */
  const retryButtons = (page: Page) => page.locator('button:has(svg.lucide-refresh-cw)').filter({ hasNotText: /Retry all/ });
  const tryRetry = (page: Page, board: string) =>
    page.evaluate(async ([b, id]) => (await fetch(`${b}/api/queues/ops/${id}/retry`, { method: 'PUT' })).status, [board, failedId] as const);

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
    const dashboard = await startDashboard({ host: '127.0.0.1', port: 0, token: 'shared-dashboard-token-0123456789', publicViews: false, discord, audit: s.shared.audit, watch: s.bot.watch, hub: s.hub, log: s.stack.log });
    base = dashboard.url;
    close = dashboard.close;
    // A failed restart job, as a crashed ops agent leaves one.
    const queue = s.hub.queue('ops');
    const job = await queue.add('restart', { member: 'pg', requestedBy: 'u-1' }, { attempts: 1 });
    failedId = job.id!;
    const worker = new Worker('ops', async () => { throw new Error('member pg did not come back'); }, { connection: s.hub.connect(), prefix: s.hub.prefix });
    await waitFor(async () => ((await queue.getJobState(failedId)) === 'failed' ? true : undefined), { what: 'the job failed', timeoutMs: 20_000 });
    await worker.close();
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await close?.();
    await s?.stop();
    await fake?.close();
  });

  it('GIVEN an operator THEN sign-in through Discord opens Bull Board\'s failed jobs, read-only; the admin board is refused', async () => {
    const page = await signIn(ids.olga, '/queues/queue/ops?status=failed');
    await page.getByText('member pg did not come back').first().waitFor({ timeout: 20_000 });
    expect(await retryButtons(page).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Retry all|Clean all/ }).count()).toBe(0);
    expect((await page.goto(`${base}/admin/queues`))!.status()).toBe(403);
    expect(await tryRetry(page, `${base}/admin/queues`)).toBe(403);
    await page.context().close();
  }, 60_000);

  it('GIVEN a read person THEN the admin actions are refused, and the refusal is audited under their name', async () => {
    const page = await signIn(ids.rita, '/');
    expect(await page.evaluate(async () => (await (await fetch('/api/me')).json()) as unknown)).toEqual({ name: 'rita', permission: 'read', scope: 'person' });
    expect(await tryRetry(page, `${base}/queues`)).toBe(403);
    expect(await tryRetry(page, `${base}/admin/queues`)).toBe(403);
    expect(await s.hub.queue('ops').getJobState(failedId)).toBe('failed');
    await page.context().close();
  }, 60_000);

  it('GIVEN an admin THEN Retry on Bull Board\'s page runs the job again, audited under the admin\'s name', async () => {
    const page = await signIn(ids.alice, '/admin/queues/queue/ops?status=failed');
    await page.getByText('member pg did not come back').first().waitFor({ timeout: 20_000 });
    expect(await page.getByRole('button', { name: 'Retry all' }).count()).toBe(1);
    await retryButtons(page).first().click();
    // Bull Board asks "Are you sure that you want to retry this job?" first.
    await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
    await waitFor(async () => ((await s.hub.queue('ops').getJobState(failedId)) === 'waiting' ? true : undefined), { what: 'the job retried', timeoutMs: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-admin-board.png'), fullPage: true });
    await page.context().close();
    const trail = (await s.shared.audit.recent(50)).filter((e) => e.via === 'dashboard');
    expect(trail.find((e) => e.outcome === 'ok')).toMatchObject({ user: { id: ids.alice, name: 'alice' }, command: 'queues.retry', args: { queue: 'ops', job: failedId } });
    const denied = trail.filter((e) => e.outcome === 'denied').map((e) => `${e.user.name} ${e.command}`);
    expect(denied).toEqual(expect.arrayContaining(['olga queues.retry', 'rita queues.retry']));
  }, 60_000);
});

describe('member actions on the dashboard page', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let browser: Browser;
  let url: string;
  let evil: Server;
  let evilUrl: string;
  let signInAs: ReturnType<typeof tokenSignIn>;
  const alpha = 'tr[data-member="alpha"]';
  /** Every action a row can offer, with a valid value for the one that takes an input. */
  const ACTIONS = [
    { action: 'restart', command: 'restart', body: {} },
    { action: 'stop', command: 'stop', body: {} },
    { action: 'start', command: 'start', body: {} },
    { action: 'silence', command: 'silence', body: { duration: '30m' } },
    { action: 'unsilence', command: 'unsilence', body: {} },
    { action: 'heal-pause', command: 'heal', body: {} },
    { action: 'heal-resume', command: 'heal', body: {} },
    { action: 'scale', command: 'scale', body: { replicas: 2 } },
  ] as const;

  /** A person signed in with their own API token, looking at a healthy alpha. */
  const signInWithToken = async (name: string, permission: 'read' | 'operate') => {
    const page = await signInAs(name, permission, 'alpha');
    await page.waitForSelector(`${alpha}[data-health="healthy"]`, { timeout: 20_000 });
    return page;
  };
  /** Presses a row's button, says yes to the page's question, and waits until the row shows the result. */
  const press = async (page: Page, action: string, question: string, after: string) => {
    const asked = confirmNext(page);
    await page.click(`${alpha} button[data-action="${action}"]`);
    expect(await asked).toBe(question);
    await page.waitForSelector(`${alpha}${after}`, { timeout: 30_000 });
  };
  const trail = async () => (await s.shared.audit.recent(200)).filter((e) => e.via === 'dashboard');

  beforeAll(async () => {
    s = await startStack([testServer('alpha')], { env: { DASHBOARD_PORT: '0' } });
    url = new URL((await startDashboardFor(s.stack, s.config, s.shared, s.bot))!).origin;
    // Another site's page on the same host (another port: another origin, the same site, so the browser sends the
    // SameSite=Lax session cookie with its form): it posts a member action to the dashboard.
    evil = createServer((request, response) => {
      const action = new URL(request.url ?? '/', 'http://x').searchParams.get('action') ?? 'restart';
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<form method="POST" action="${url}/api/members/alpha/${action}"><input name="duration" value="7d"><input name="replicas" value="0"></form><script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    browser = await launchChromium();
    signInAs = tokenSignIn(browser, s.hub, url);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => evil?.close(resolve));
    await s?.stop();
  });

  it('GIVEN an operator THEN restart on a member\'s row asks in the page, runs through the dispatcher, and the row goes green with the new restart count', async () => {
    const page = await signInWithToken('olga', 'operate');
    const loadedAt = await page.evaluate(() => window.fleetbotLoadedAt);
    const before = Number(await page.getAttribute(alpha, 'data-restarts'));
    expect(await page.locator(`${alpha} td.restarts`).textContent()).toBe(String(before));
    const pid = (await s.fleet!.backend.list()).find((m) => m.name === 'alpha')!.pid;
    const asked = confirmNext(page);
    await page.click(`${alpha} button[data-action="restart"]`);
    expect(await asked).toBe('Restart alpha?');
    expect(await noticeMatches(page, /^restarted alpha|^restart/)).toMatch(/^restarted alpha in .+ — healthy$/);
    // Live, without a reload: green, and the restart count one up.
    await page.waitForSelector(`${alpha}[data-health="healthy"][data-restarts="${before + 1}"]`, { timeout: 30_000 });
    expect(await page.locator(`${alpha} td.restarts`).textContent()).toBe(String(before + 1));
    expect(await page.evaluate(`getComputedStyle(document.querySelector('${alpha} .dot')).backgroundColor`)).toBe('rgb(46, 204, 113)');
    expect(await page.evaluate(() => window.fleetbotLoadedAt)).toBe(loadedAt);
    expect((await s.fleet!.backend.list()).find((m) => m.name === 'alpha')).toMatchObject({ state: 'running', restarts: before + 1 });
    expect((await s.fleet!.backend.list()).find((m) => m.name === 'alpha')!.pid).not.toBe(pid);
    expect((await trail()).find((e) => e.command === 'restart')).toMatchObject({ user: { id: 'token:olga', name: 'olga' }, args: { member: 'alpha' }, outcome: 'ok' });
    await page.context().close();
  }, 120_000);

  it('GIVEN an operator THEN silence / unsilence and pause / resume healing from the row each ask, show on the row live, and are audited under their name', async () => {
    const page = await signInWithToken('olga', 'operate');
    const silences = new SilenceStore(s.hub);
    const heal = new HealState(s.hub);
    expect(await page.getAttribute(alpha, 'data-silenced')).toBe('false');
    expect(await page.getAttribute(alpha, 'data-heal')).toBe('on');
    // The process backend runs no replicas: nothing to scale, so no scale control.
    expect(await page.locator(`${alpha} [data-action="scale"], ${alpha} input[data-input="scale"]`).count()).toBe(0);

    // A bad duration: one short error, no question, nothing silenced.
    const unexpected: string[] = [];
    const onDialog = (d: Dialog) => { unexpected.push(d.message()); void d.dismiss(); };
    page.on('dialog', onDialog);
    await page.fill(`${alpha} input[data-input="silence"]`, '10s');
    await page.click(`${alpha} button[data-action="silence"]`);
    expect(await noticeMatches(page, /duration/)).toBe('duration: must be between 1m and 7d, e.g. 30m, 2h, 1d — usage: /silence <member> <duration>');
    page.off('dialog', onDialog);
    expect(unexpected).toEqual([]);
    expect(await silences.active('alpha')).toBe(false);
    expect((await trail()).some((e) => e.command === 'silence')).toBe(false);

    await page.fill(`${alpha} input[data-input="silence"]`, '30m');
    await press(page, 'silence', 'Silence alpha 30m?', '[data-silenced="true"]');
    expect(await page.locator(`${alpha} .badge.silenced`).textContent()).toMatch(/^silenced until .+ by olga$/);
    expect(await silences.active('alpha')).toBe(true);
    expect(await noticeMatches(page, /^alerts of alpha/)).toMatch(/^alerts of alpha muted for 30 min, until /);

    await press(page, 'heal-pause', 'Heal pause alpha?', '[data-heal="paused"]');
    expect(await page.locator(`${alpha} .badge.heal-paused`).textContent()).toBe('healing paused: paused by olga');
    expect((await heal.paused()).alpha).toMatchObject({ by: 'olga', reason: 'manual' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-member-actions.png'), fullPage: true });

    await press(page, 'unsilence', 'Unsilence alpha?', '[data-silenced="false"]');
    expect(await page.locator(`${alpha} .badge.silenced`).count()).toBe(0);
    expect(await silences.active('alpha')).toBe(false);

    await press(page, 'heal-resume', 'Heal resume alpha?', '[data-heal="on"]');
    expect(await page.locator(`${alpha} .badge.heal-paused`).count()).toBe(0);
    expect((await heal.paused()).alpha).toBeUndefined();

    // The audit trail, in Redis and on the page itself, names the person for each.
    const done = (await trail()).filter((e) => e.user.name === 'olga' && e.outcome === 'ok');
    for (const [command, args] of [
      ['silence', { member: 'alpha', duration: '30m' }],
      ['unsilence', { member: 'alpha' }],
      ['heal', { action: 'pause', member: 'alpha' }],
      ['heal', { action: 'resume', member: 'alpha' }],
    ] as const) expect(done.find((e) => e.command === command && e.args.action === ('action' in args ? args.action : undefined)), command).toMatchObject({ user: { id: 'token:olga', name: 'olga' }, channel: 'dashboard', args });
    for (const line of ['olga /silence alpha 30m (dashboard) — ok', 'olga /unsilence alpha (dashboard) — ok', 'olga /heal pause alpha (dashboard) — ok', 'olga /heal resume alpha (dashboard) — ok']) {
      await page.locator('#audit li', { hasText: line }).first().waitFor({ timeout: 20_000 });
    }
    await page.context().close();
  }, 120_000);

  it('GIVEN a read person THEN no action is offered, and a hand-made POST for each is refused and audited under their name', async () => {
    const page = await signInWithToken('rita', 'read');
    expect(await page.evaluate(() => window.fleetbotMe)).toEqual({ name: 'rita', permission: 'read', scope: 'person', actions: [] });
    expect(await page.locator(`${alpha} button, ${alpha} input`).count()).toBe(0);
    for (const { action, body } of ACTIONS) {
      const answer = await page.evaluate(async ([a, b]) => {
        const r = await fetch(`/api/members/alpha/${a}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
        return { status: r.status, body: (await r.json()) as unknown };
      }, [action, body] as const);
      expect(answer, action).toEqual({ status: 403, body: { refused: { tone: 'error', text: 'you need the `operate` permission for this (you have `read`)' } } });
    }
    expect(await new SilenceStore(s.hub).active('alpha')).toBe(false);
    expect((await new HealState(s.hub).paused()).alpha).toBeUndefined();
    const denied = (await trail()).filter((e) => e.user.name === 'rita');
    for (const { command } of ACTIONS) expect(denied.find((e) => e.command === command), command).toMatchObject({ user: { id: 'token:rita' }, outcome: 'denied', args: { member: 'alpha' } });
    expect(denied.filter((e) => e.command === 'heal').map((e) => e.args.action).sort()).toEqual(['pause', 'resume']);
    await page.context().close();
  }, 120_000);

  it('GIVEN an operator\'s session THEN another site\'s form posting any member action is refused before it reaches the dispatcher', async () => {
    const page = await signInWithToken('olga', 'operate');
    const before = (await trail()).length;
    for (const { action } of ACTIONS) {
      const answered = page.waitForResponse((r) => r.url() === `${url}/api/members/alpha/${action}`);
      await page.goto(`${evilUrl}/?action=${action}`, { waitUntil: 'commit' });
      const response = await answered;
      // The session cookie went along (same site): it is the origin check that refuses, not a missing sign-in.
      expect([response.status(), await response.text()], action).toEqual([403, 'fleetbot dashboard: a change must come from the dashboard itself (cross-site request refused)\n']);
    }
    expect(await new SilenceStore(s.hub).active('alpha')).toBe(false);
    expect((await new HealState(s.hub).paused()).alpha).toBeUndefined();
    expect((await s.fleet!.backend.list()).find((m) => m.name === 'alpha')).toMatchObject({ state: 'running' });
    expect((await trail()).length).toBe(before);
    await page.context().close();
  }, 120_000);
});
