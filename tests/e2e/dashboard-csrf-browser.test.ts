import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_PASSWORD, DASHBOARD_USER } from './dashboard-harness.js';
import { launchChromium } from './dashboard-chromium.js';
import {
  DEAD_LETTERS,
  queueState,
  SOURCE,
  startWithDeadLetters,
  type DeadLetterSetup,
} from './dashboard-security-fixture.js';

/** Another site: each page auto-submits a form to the dashboard path named in `?target=`. */
function startAttackerSite(dashboardUrl: string): Promise<Server> {
  const server = createServer((request, response) => {
    const target = new URL(request.url!, 'http://attacker').searchParams.get('target') ?? '/';
    response.setHeader('content-type', 'text/html');
    response.end(`<!doctype html>
<form method="POST" action="${dashboardUrl}${target}">
  <input name="source" value="${SOURCE}">
</form>
<script>document.forms[0].submit()</script>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('a page on another site cannot use the Basic credentials an operator’s browser cached', () => {
  let setup: DeadLetterSetup;
  let attacker: Server;
  let browser: Browser;
  let context: BrowserContext;
  /** What the dashboard's server received, by path, seen beside the app (which refuses first). */
  const received = new Map<string, IncomingHttpHeaders>();

  beforeAll(async () => {
    setup = await startWithDeadLetters();
    attacker = await startAttackerSite(setup.dashboard.http.url);
    setup.dashboard.http.server.on('request', (request: IncomingMessage) => {
      if (request.method === 'POST') received.set(request.url!, request.headers);
    });
    browser = await launchChromium();
    context = await browser.newContext({
      httpCredentials: { username: DASHBOARD_USER, password: DASHBOARD_PASSWORD },
    });
    // The operator has the dashboard open, so the browser holds its Basic credentials.
    const own = await context.newPage();
    expect((await own.goto(`${setup.dashboard.http.url}/`))?.status()).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await setup?.close();
  });

  const port = () => (attacker.address() as AddressInfo).port;
  // Chromium's Sec-Fetch-Site for each: a different port of the same host is only "same-site".
  const sites: [string, () => string, string][] = [
    ['another site (localhost)', () => `http://localhost:${port()}`, 'cross-site'],
    ['another port of the same host', () => `http://127.0.0.1:${port()}`, 'same-site'],
  ];

  for (const [site, base, fetchSite] of sites) {
    it(`a form auto-submitted from ${site} neither pauses the source nor replays its dead letters`, async () => {
      const before = await queueState(setup.relay);
      const page = await context.newPage();
      for (const target of [`/api/sources/${SOURCE}/pause`, '/api/dead-letters/replay']) {
        const submitted = page.waitForResponse(
          (response) =>
            response.url() === `${setup.dashboard.http.url}${target}` &&
            response.request().method() === 'POST',
        );
        await page.goto(`${base()}/?target=${encodeURIComponent(target)}`);
        const response = await submitted;
        // The attack is real: the browser did send the operator's credentials along.
        expect(received.get(target)).toMatchObject({
          authorization: setup.dashboard.basic,
          origin: base(),
          'sec-fetch-site': fetchSite,
        });
        expect([target, response.status(), await response.json()]).toEqual([
          target,
          403,
          { error: { code: 'cross_origin_refused', message: expect.any(String) } },
        ]);
      }
      await page.close();
      expect(await queueState(setup.relay)).toEqual(before);
      expect(before).toMatchObject({ paused: false, counts: { failed: DEAD_LETTERS } });
    });
  }

  it("the dashboard's own page still loads under its Content-Security-Policy, without a violation", async () => {
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(`${setup.dashboard.http.url}/`);
    expect(response?.status()).toBe(200);
    await page
      .getByRole('link', { name: `delivery.${SOURCE}.default` })
      .first()
      .waitFor();
    expect(violations).toEqual([]);
    await page.close();
  });
});
