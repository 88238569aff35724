import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboardFor } from '../../bot/roots.js';
import { confirmNext, launchChromium, noticeMatches, tokenSignIn } from '../support/browser.js';
import { startStack } from '../support/stack.js';
import { holdSwarm, removeFleetServices, SWARM_ENV, swarmServer, swarmSkip } from '../support/swarm.js';

// Scale from a member's row, where the backend runs replicas: fleetbot on the real two-node swarm (FLEET_BACKEND=swarm),
// its dashboard in a real Chromium. The process backend's rows offer no scale control (dashboard-sign-in).

describe.skipIf(swarmSkip)(`scaling from the dashboard${swarmSkip ? ` — skipped: ${swarmSkip}` : ''}`, () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let browser: Browser;
  let url: string;
  let release: (() => Promise<void>) | undefined;
  let signInAs: ReturnType<typeof tokenSignIn>;
  const solo = 'tr[data-member="solo"]';
  const trail = async () => (await s.shared.audit.recent(50)).filter((e) => e.via === 'dashboard' && e.command === 'scale');

  beforeAll(async () => {
    release = await holdSwarm();
    s = await startStack([await swarmServer('solo', { replicas: 1, max_replicas: 2 })], {
      agents: ['ops', 'health', 'healer', 'replicas'],
      env: { ...SWARM_ENV, DASHBOARD_PORT: '0' },
      opsTimeoutMs: 60_000,
    });
    url = new URL((await startDashboardFor(s.stack, s.config, s.shared, s.bot))!).origin;
    browser = await launchChromium();
    signInAs = tokenSignIn(browser, s.hub, url);
  }, 690_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    if (s) await removeFleetServices(s.hub.prefix);
    await release?.();
  }, 120_000);

  it('GIVEN an operator THEN scale on the row asks, runs, and the row shows the replicas live; past max_replicas it is refused; a read person sees no control and is refused', async () => {
    const page = await signInAs('olga', 'operate', 'solo', 120_000);
    await page.waitForSelector(`${solo}[data-health="healthy"][data-replicas="1/1"]`, { timeout: 120_000 });
    expect(await page.inputValue(`${solo} input[data-input="scale"]`)).toBe('1');
    await page.fill(`${solo} input[data-input="scale"]`, '2');
    let asked = confirmNext(page);
    await page.click(`${solo} button[data-action="scale"]`);
    expect(await asked).toBe('Scale solo 2?');
    expect(await noticeMatches(page, /^scaled solo/, 120_000)).toMatch(/^scaled solo to 2 replicas in .+ — all answering$/);
    // Live, without a reload: two replicas running, both answering.
    await page.waitForSelector(`${solo}[data-replicas="2/2"][data-health="healthy"]`, { timeout: 60_000 });
    expect(await page.locator(`${solo} td`).nth(1).textContent()).toBe('running · healthy · 2/2 replicas');
    expect(await page.inputValue(`${solo} input[data-input="scale"]`)).toBe('2');
    expect((await trail()).find((e) => e.user.name === 'olga' && e.outcome === 'ok')).toMatchObject({ user: { id: 'token:olga' }, channel: 'dashboard', args: { member: 'solo', replicas: 2 } });

    // Past the manifest's max_replicas: the reason, and the replicas stay as they are.
    await page.fill(`${solo} input[data-input="scale"]`, '3');
    asked = confirmNext(page);
    await page.click(`${solo} button[data-action="scale"]`);
    expect(await asked).toBe('Scale solo 3?');
    expect(await noticeMatches(page, /max_replicas/)).toBe('solo scales from 0 to 2 replicas (max_replicas in the fleet manifest)');
    expect(await page.getAttribute(solo, 'data-replicas')).toBe('2/2');
    await page.context().close();

    const reader = await signInAs('rita', 'read', 'solo');
    expect(await reader.locator(`${solo} button, ${solo} input`).count()).toBe(0);
    const status = await reader.evaluate(async () => (await fetch('/api/members/solo/scale', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ replicas: 1 }) })).status);
    expect(status).toBe(403);
    expect((await trail()).find((e) => e.user.name === 'rita')).toMatchObject({ outcome: 'denied', args: { member: 'solo' } });
    expect(await reader.getAttribute(solo, 'data-replicas')).toBe('2/2');
    await reader.context().close();
  }, 300_000);
});
