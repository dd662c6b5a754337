import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_PASSWORD, DASHBOARD_USER } from './dashboard-harness.js';
import { launchChromium } from './dashboard-chromium.js';
import { QUEUE, startWithDeadLetters, type DeadLetterSetup } from './dashboard-security-fixture.js';

/** Bull Board's built CSS files (async chunks included), as the dashboard serves them under /static/css. */
function bullBoardStylesheets(): string[] {
  const require = createRequire(new URL('../../apps/dashboard/package.json', import.meta.url));
  const css = join(dirname(require.resolve('@bull-board/ui/package.json')), 'dist/static/css');
  return readdirSync(css, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.css'))
    .map((file) => `/static/css/${file}`);
}

/** Every http(s) origin a text names, and every protocol-relative href/src, other than `own`. */
function foreignOrigins(text: string, own: string): string[] {
  const absolute = [...text.matchAll(/https?:\/\/[^\s"'`<>()\\/]+/gi)].map(([url]) => url);
  const relative = [...text.matchAll(/(?:href|src)\s*=\s*["']?(\/\/[^\s"'<>/]+)/gi)].map(
    ([, url]) => url!,
  );
  return [...absolute, ...relative].filter((origin) => origin !== own);
}

describe('no external URL in any dashboard page', () => {
  let setup: DeadLetterSetup;
  let browser: Browser;
  let context: BrowserContext;
  let origin: string;
  const requested: string[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    setup = await startWithDeadLetters();
    origin = setup.dashboard.http.url;
    browser = await launchChromium();
    context = await browser.newContext({
      httpCredentials: { username: DASHBOARD_USER, password: DASHBOARD_PASSWORD },
    });
    context.on('request', (request) => requested.push(request.url()));
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    // Offline, as the issue asks: anything leaving the dashboard is refused (and still recorded).
    await context.route(
      (url) => url.origin !== origin,
      (route) => route.abort(),
    );
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await setup?.close();
  });

  const get = (path: string) =>
    fetch(`${origin}${path}`, { headers: { authorization: setup.dashboard.basic } });

  it('the served HTML of every page and every Bull Board stylesheet name no origin but the dashboard', async () => {
    const [id] = setup.ids;
    const pages = [
      '/',
      `/queue/${QUEUE}`,
      `/queue/${QUEUE}?status=failed`,
      `/queue/${QUEUE}/${id}`,
    ];
    const stylesheets = bullBoardStylesheets();
    expect(stylesheets.length).toBeGreaterThan(1);
    const found: Record<string, string[]> = {};
    for (const path of [...pages, ...stylesheets]) {
      const response = await get(path);
      expect([path, response.status]).toEqual([path, 200]);
      const text = await response.text();
      if (pages.includes(path)) expect(text).toContain('<link href="static/css/');
      found[path] = foreignOrigins(text, origin);
    }
    expect(found).toEqual(Object.fromEntries([...pages, ...stylesheets].map((p) => [p, []])));
  });

  it('its Content-Security-Policy allows no other origin', async () => {
    const policy = (await get('/')).headers.get('content-security-policy')!;
    const sources = policy
      .split(';')
      .flatMap((directive) => directive.trim().split(/\s+/).slice(1));
    expect(sources.filter((source) => !/^('[a-z-]+'|data:)$/.test(source))).toEqual([]);
    expect(policy).not.toMatch(/fonts\.(googleapis|gstatic)\.com/);
  });

  it('Chromium loads every page — overview, queue, Failed tab, a dead letter — without a request leaving the dashboard', async () => {
    const [id] = setup.ids;
    const page = await context.newPage();
    const visits: [string, () => Promise<void>][] = [
      ['/', () => page.getByRole('link', { name: QUEUE }).first().waitFor()],
      [`/queue/${QUEUE}`, () => page.getByRole('link', { name: /^FAILED/ }).waitFor()],
      [`/queue/${QUEUE}?status=failed`, () => page.getByRole('link', { name: id }).waitFor()],
      [`/queue/${QUEUE}/${id}`, () => page.getByText('HTTP 500').first().waitFor()],
    ];
    for (const [path, shown] of visits) {
      expect((await page.goto(`${origin}${path}`))?.status()).toBe(200);
      await shown();
      await page.waitForLoadState('load');
    }
    await page.close();
    expect(requested.filter((url) => new URL(url).origin === origin).length).toBeGreaterThan(8);
    expect(requested.some((url) => url.includes('/static/css/'))).toBe(true);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(violations).toEqual([]);
  });
});
