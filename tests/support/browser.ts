import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RedisHub } from '../../redis/hub.js';
import { ApiTokenStore } from '../../state/api-tokens.js';

/**
 * The dashboard seen through a real Chromium (playwright-core, Debian's /usr/bin/chromium): launching it, signing in
 * as a person, answering the page's questions. Side effects: starts a browser process; writes API tokens to Redis.
 */

export const CHROMIUM = '/usr/bin/chromium';

// Code run inside the page (waitForFunction) sees the browser's globals.
declare const window: { fleetbotMe?: unknown };
declare const document: { getElementById(id: string): { textContent: string | null } | null };

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error('Chromium is needed: apt-get install -y chromium');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Signs in to the dashboard at `base` with a personal API token through the sign-in form, as a person without Discord
 * would, in a fresh browser profile; waits until the page knows who it is and shows `member`.
 */
export function tokenSignIn(browser: Browser, hub: RedisHub, base: string) {
  const tokens = new Map<string, string>();
  return async (name: string, permission: 'read' | 'operate', member: string, timeout = 20_000): Promise<Page> => {
    if (!tokens.has(name)) tokens.set(name, (await new ApiTokenStore(hub).create(name, permission)).token);
    const page = await (await browser.newContext()).newPage();
    await page.goto(base);
    await page.fill('input[name=token]', tokens.get(name)!);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/`);
    await page.waitForFunction(() => window.fleetbotMe !== undefined);
    await page.waitForSelector(`tr[data-member="${member}"]`, { timeout });
    return page;
  };
}

/** Says yes to the page's next confirmation dialog; its question. */
export const confirmNext = (page: Page) => new Promise<string>((resolve) => page.once('dialog', (d) => { resolve(d.message()); void d.accept(); }));

/** Waits until the page's notice line matches; its text. */
export async function noticeMatches(page: Page, pattern: RegExp, timeout = 30_000): Promise<string> {
  await page.waitForFunction(([source, flags]) => new RegExp(source, flags).test(document.getElementById('notice')?.textContent ?? ''), [pattern.source, pattern.flags] as const, { timeout });
  return (await page.locator('#notice').textContent())!;
}
