import { Worker } from 'bullmq';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../bot/dashboard/server.js';
import { startDashboardFor } from '../../bot/roots.js';
import { ApiTokenStore } from '../../state/api-tokens.js';
import type { DiscordConfig } from '../../config/index.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';
import { snowflake } from '../support/fake-discord/snowflake.js';
import { ROOT, testServer, waitFor } from '../support/fleet.js';
import { startStack } from '../support/stack.js';

// Sign-in in a real Chromium: through the fake Discord's OAuth2 (arctic's client on the server side), then Bull Board
// as each person's permission allows — an operator reads the failed jobs, a read person is refused the admin actions,
// an admin retries a job from Bull Board's own page; every action (and refusal) lands in the audit trail.

// Code run inside the page (page.evaluate / waitForFunction) sees the browser's globals.
declare const window: { fleetbotMe?: unknown };
declare const document: { getElementById(id: string): { textContent: string | null } | null };

const CHROMIUM = '/usr/bin/chromium';
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
    expect(existsSync(CHROMIUM), 'Chromium is needed: apt-get install -y chromium').toBe(true);
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
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
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

  /** Signs in with a personal API token through the sign-in form, as a person without Discord would. */
  const signInWithToken = async (name: string, permission: 'read' | 'operate') => {
    const { token } = await new ApiTokenStore(s.hub).create(name, permission);
    const page = await (await browser.newContext()).newPage();
    await page.goto(url);
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/`);
    await page.waitForFunction(() => window.fleetbotMe !== undefined);
    await page.waitForSelector('tr[data-member="alpha"][data-health="healthy"]', { timeout: 20_000 });
    return page;
  };

  beforeAll(async () => {
    s = await startStack([testServer('alpha')], { env: { DASHBOARD_PORT: '0' } });
    url = new URL((await startDashboardFor(s.stack, s.config, s.shared, s.bot))!).origin;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('GIVEN an operator THEN restart on a member\'s row asks in the page, runs through the dispatcher and is audited; a read person gets no buttons and is refused', async () => {
    const operatorPage = await signInWithToken('olga', 'operate');
    const pid = (await s.fleet!.backend.list()).find((m) => m.name === 'alpha')!.pid;
    const question = new Promise<string>((resolve) => operatorPage.once('dialog', (d) => { resolve(d.message()); void d.accept(); }));
    await operatorPage.click('tr[data-member="alpha"] button[data-action="restart"]');
    expect(await question).toMatch(/restart alpha/i);
    await operatorPage.waitForFunction(() => /restart/i.test(document.getElementById('notice')?.textContent ?? ''), undefined, { timeout: 30_000 });
    await waitFor(async () => ((await s.fleet!.backend.list()).find((m) => m.name === 'alpha' && m.state === 'running' && m.pid !== pid) ? true : undefined), { what: 'alpha restarted', timeoutMs: 30_000 });
    const entry = (await s.shared.audit.recent(20)).find((e) => e.command === 'restart' && e.via === 'dashboard');
    expect(entry).toMatchObject({ user: { id: 'token:olga', name: 'olga' }, args: { member: 'alpha' }, outcome: 'ok' });
    await operatorPage.context().close();

    const readerPage = await signInWithToken('rita', 'read');
    expect(await readerPage.locator('tr[data-member="alpha"] button[data-action]').count()).toBe(0);
    const status = await readerPage.evaluate(async () => (await fetch('/api/members/alpha/restart', { method: 'POST' })).status);
    expect(status).toBe(403);
    expect((await s.shared.audit.recent(20)).find((e) => e.command === 'restart' && e.user.name === 'rita')).toMatchObject({ outcome: 'denied', via: 'dashboard' });
    await readerPage.context().close();
  }, 120_000);
});
