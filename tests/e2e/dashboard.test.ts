import { mkdirSync } from 'node:fs';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Code run inside the page (page.evaluate) sees the browser's globals.
declare const window: { fleetbotLoadedAt: number };
declare function getComputedStyle(element: unknown): { backgroundColor: string };
import { startDashboardFor } from '../../bot/roots.js';
import { launchChromium } from '../support/browser.js';
import { ROOT, testServer, waitFor } from '../support/fleet.js';
import { operator, startStack } from '../support/stack.js';

// The dashboard against a running fleetbot (process backend, real Redis, real members), seen through a real
// Chromium driven by playwright-core; /metrics through a Prometheus text-format parser; /chart as a decoded PNG.

const ARTIFACTS = path.join(ROOT, 'tests/artifacts');
// A first restart 2 s after a death: long enough to see the member red before the healer brings it back.
const HEALING = { health: { interval: '300ms', timeout: '500ms', retries: 2, start_period: '10s' }, restart: { backoff_initial: '2s' } };

type Sample = { name: string; metrics: { value: string; labels?: Record<string, string> }[] };

describe('dashboard', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let url: string;
  let base: string;
  let browser: Browser | undefined;
  const metrics = async () => {
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${new URL(url).searchParams.get('token')}` } })).text();
    return { text, samples: parsePrometheusTextFormat(text) as Sample[] };
  };
  const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
    Number(samples.find((m) => m.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);

  beforeAll(async () => {
    s = await startStack([testServer('alpha', 'stdio', HEALING), testServer('beta', 'http', HEALING)], { env: { DASHBOARD_PORT: '0' } });
    url = (await startDashboardFor(s.stack, s.config, s.shared, s.bot))!;
    base = new URL(url).origin;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('GIVEN no token THEN 401 everywhere but the health checks; with the shared token, the read-only views in a session', async () => {
    for (const p of ['/', '/events', '/api/snapshot', '/metrics', '/queues']) expect((await fetch(`${base}${p}`)).status, p).toBe(401);
    expect((await fetch(`${base}/?token=wrong-token-wrong-token`)).status).toBe(401);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).text()).toBe('ready\n');
    const token = new URL(url).searchParams.get('token')!;
    expect((await fetch(`${base}/api/snapshot`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const login = await fetch(url, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const cookie = login.headers.get('set-cookie')!;
    // The cookie holds a signed session id, never the token; the shared token opens no Bull Board.
    expect(cookie).toMatch(/^fleetbot_session=.+; HttpOnly; SameSite=Lax; Path=\/; Max-Age=\d+/);
    expect(cookie).not.toContain(token);
    expect((await fetch(`${base}/api/snapshot`, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
    expect((await fetch(`${base}/queues`, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(403);
  });

  it('GIVEN /metrics THEN valid Prometheus text, and its values follow what happens', async () => {
    const before = await metrics();
    expect(before.samples.length).toBeGreaterThan(10);
    for (const m of before.samples) expect(m.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    expect(value(before.samples, 'fleetbot_member_healthy', { member: 'alpha' })).toBe(1);
    expect(value(before.samples, 'fleetbot_queue_jobs', { queue: 'ops', state: 'waiting' })).toBe(0);
    const statusBefore = value(before.samples, 'fleetbot_commands_total', { command: 'status', outcome: 'ok', via: 'console' }) || 0;
    await s.dispatcher.dispatchLine('/status', operator, 'test');
    await s.dispatcher.dispatchLine('/restart nobody', operator, 'test');
    const after = await metrics();
    expect(value(after.samples, 'fleetbot_commands_total', { command: 'status', outcome: 'ok', via: 'console' })).toBe(statusBefore + 1);
    expect(value(after.samples, 'fleetbot_commands_total', { command: 'restart', outcome: 'invalid', via: 'console' })).toBeGreaterThanOrEqual(1);
    expect(after.text).toMatch(/^fleetbot_job_duration_seconds_bucket\{le="0\.\d+",queue="ops",job_name="status",outcome="completed"\} \d+$/m);
    // No label carries a user: user ids and names are unbounded.
    expect(after.text).not.toMatch(/u-ops|olga/);
  });

  it('GIVEN /chart THEN a PNG of the expected size', async () => {
    const reply = await s.dispatcher.dispatchLine('/chart healthy 15m', operator, 'test');
    expect(reply.title).toBe('healthy members, last 15m');
    const png = PNG.sync.read(reply.image!.png);
    expect([png.width, png.height]).toEqual([800, 400]);
    const bad = await s.dispatcher.dispatchLine('/chart everything', operator, 'test');
    expect(bad.title).toMatch(/^metric must be one of healthy, restarts, queued, jobs, failures, opportunities, scan/);
  });

  it('GIVEN the page in Chromium THEN every member shows; a killed member goes red, then green after healing, without a reload', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    expect(page.url()).toBe(`${base}/`);
    await page.waitForSelector('tr[data-member="alpha"][data-health="healthy"]');
    await page.waitForSelector('tr[data-member="beta"][data-health="healthy"]');
    const loadedAt = await page.evaluate(() => window.fleetbotLoadedAt);
    const pid = (await s.fleet!.backend.list()).find((m) => m.name === 'beta')!.pid!;
    process.kill(pid, 'SIGKILL');
    // The row and its colour read in one step inside the page: the healer may turn it green a moment later.
    const downColour = await page.waitForFunction(
      `(() => {
        const row = document.querySelector('tr[data-member="beta"][data-health="down"]');
        return row ? getComputedStyle(row.querySelector('.dot')).backgroundColor : undefined;
      })()`,
      undefined,
      { timeout: 10_000 },
    );
    expect(await downColour.jsonValue()).toBe('rgb(231, 76, 60)');
    await page.waitForSelector('tr[data-member="beta"][data-health="healthy"]', { timeout: 20_000 });
    await waitFor(async () => ((await page.locator('#healing li').first().textContent())?.includes('beta was killed (SIGKILL)') ? true : undefined), { what: 'healing shown' });
    expect(await page.evaluate(() => window.fleetbotLoadedAt)).toBe(loadedAt);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  }, 60_000);
});
