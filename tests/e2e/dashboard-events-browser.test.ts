import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import {
  DASHBOARD_PASSWORD,
  DASHBOARD_USER,
  startDashboard,
  type Dashboard,
} from './dashboard-harness.js';
import { launchChromium } from './dashboard-chromium.js';
import { post, startRelay, type Relay } from './harness.js';
import { stripeSignature } from './stripe-events.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const DOC_IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const PROVIDER_ID = 'evt_1QdisputeTest0001';

function stripeEvent(id: string, type: string, object: Record<string, unknown>): string {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    type,
    data: { object },
  });
}

/** What each attempt row's result cell starts with (`HTTP 500`…), in page order. */
async function attemptResults(page: Page): Promise<string[]> {
  const cells = await page.locator('tr.attempt td:nth-child(3)').allInnerTexts();
  return cells.map((text) => /HTTP \d{3}/.exec(text)?.[0] ?? text);
}

describe('an operator finds an event in the events pages and replays it, with a real browser', () => {
  let relay: Relay;
  let dashboard: Dashboard;
  let browser: Browser;
  let page: Page;
  let id: string;
  let signature: string;
  /** Every URL the browser asked for, and any CSP complaint in its console. */
  const requested: string[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
sources:
  stripe:
    verify: { type: stripe, secret: \${STRIPE_WEBHOOK_SECRET} }
    destination: { url: \${BACKEND_URL}/webhooks/stripe }
    retry: { attempts: 5, backoff: fixed, delay: 50ms, jitter: 0 }
`,
    });
    dashboard = await startDashboard(relay);
    // The backend is down for two attempts, then answers 200.
    relay.backend.rules.set([{ status: 500, times: 2 }]);
    const body = stripeEvent(PROVIDER_ID, 'charge.dispute.created', {
      id: 'dp_1QdisputeTest0001',
      object: 'dispute',
      amount: 15000,
      currency: 'xof',
      reason: 'fraudulent',
      status: 'needs_response',
    });
    signature = stripeSignature(body);
    const answer = await post(relay, '/webhooks/stripe', body, { 'stripe-signature': signature });
    expect(answer.status).toBe(202);
    id = answer.body!.id as string;
    await waitFor(
      async () => {
        const [delivery] = (await dashboard.ops.showEvent(id)).deliveries;
        return delivery?.status === 'delivered' && delivery.attempts.length === 3;
      },
      { what: 'the event delivered on its third attempt' },
    );
    // A second, delivered at once, so the list has more than the one event searched for.
    const other = stripeEvent('evt_1QpaymentTest0002', 'payment_intent.succeeded', {
      id: 'pi_1QpaymentTest0002',
      object: 'payment_intent',
      amount: 15000,
      currency: 'xof',
      status: 'succeeded',
    });
    const second = await post(relay, '/webhooks/stripe', other, {
      'stripe-signature': stripeSignature(other),
    });
    expect(second.status).toBe(202);
    await waitFor(
      async () =>
        (await relay.queue('stripe').getJobState(second.body!.id as string)) === 'completed',
      { what: 'the second event delivered' },
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    const context = await browser.newContext({
      httpCredentials: { username: DASHBOARD_USER, password: DASHBOARD_PASSWORD },
      viewport: { width: 1280, height: 800 },
    });
    context.on('request', (request) => requested.push(request.url()));
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await relay?.close();
  });

  it('lists the events newest first, and the dead filter leaves the delivered event out', async () => {
    const response = await page.goto(`${dashboard.http.url}/events`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['cache-control']).toBe('no-store');
    const row = page.locator('table.events tbody tr', { hasText: PROVIDER_ID });
    await row.waitFor();
    expect(await row.innerText()).toContain('charge.dispute.created');
    expect(await row.locator('.badge').innerText()).toBe('delivered');
    expect(await page.locator('table.events tbody tr').count()).toBe(2);
    await page.screenshot({ path: `${ARTIFACTS}events-list.png`, fullPage: true });

    await page.locator('select[name="status"]').selectOption('dead');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/[?&]status=dead(&|$)/);
    await page.getByText('No events match these filters.').waitFor();
    expect(await page.getByRole('link', { name: id }).count()).toBe(0);
    expect(await page.content()).not.toContain(PROVIDER_ID);
  });

  it("finds the event by the provider's id from the search box and lands on its page", async () => {
    await page.goto(`${dashboard.http.url}/events`);
    await page.locator('input[name="q"]').fill(PROVIDER_ID);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(`${dashboard.http.url}/events/${id}`);
    expect(await page.locator('h1').innerText()).toContain(id);
    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toContain(PROVIDER_ID);
    expect(facts).toContain('charge.dispute.created');
  });

  it('shows the three attempts in order, the backend answers, and the signature masked', async () => {
    const section = page.locator('section.delivery', { hasText: 'Deliveries to default' });
    expect(await section.locator('.badge').first().innerText()).toBe('delivered');
    expect(await attemptResults(page)).toEqual(['HTTP 500', 'HTTP 500', 'HTTP 200']);
    const outcomes = await page.locator('tr.attempt td:nth-child(5)').allInnerTexts();
    expect(outcomes).toEqual(['retry', 'retry', 'delivered']);
    const answers = await page.locator('tr.attempt pre.response').allInnerTexts();
    expect(answers).toEqual(['{"ok":false}', '{"ok":false}', '{"ok":true}']);
    expect(await page.locator('tr.attempt .caption').first().innerText()).toContain(
      'application/json',
    );

    const header = page.locator('table.headers tr', { hasText: 'stripe-signature' });
    expect(await header.locator('td').nth(1).innerText()).toBe('[redacted]');
    expect(await page.locator('pre.request-body').innerText()).toContain('dp_1QdisputeTest0001');
    // Nowhere in the page, as the browser holds it or as the server sent it.
    const v1 = /v1=([0-9a-f]+)/.exec(signature)![1]!;
    const served = await (
      await fetch(`${dashboard.http.url}/events/${id}`, {
        headers: { authorization: dashboard.basic },
      })
    ).text();
    for (const html of [await page.content(), served]) {
      expect(html).not.toContain(signature);
      expect(html).not.toContain(v1);
    }

    await page.screenshot({ path: `${ARTIFACTS}event-page.png`, fullPage: true });
    if (process.env.UPDATE_DOC_SCREENSHOTS === '1') {
      mkdirSync(DOC_IMAGES, { recursive: true });
      copyFileSync(`${ARTIFACTS}event-page.png`, `${DOC_IMAGES}events-page.png`);
    }
  });

  it('replays it from the Replay button: a notice, then a fourth attempt answered 200', async () => {
    const before = relay.backend.store.list({ id }).length;
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.waitForURL(`${dashboard.http.url}/events/${id}?replayed=1`);
    expect(await page.getByRole('status').innerText()).toBe('Replayed to 1 destination(s).');
    expect(dashboard.logs.find('event replayed')).toEqual([
      expect.objectContaining({
        id,
        deliveries: [{ source: 'stripe', destination: 'default', from: 'delivered' }],
      }),
    ]);

    await waitFor(
      async () => {
        await page.reload();
        return (await page.locator('tr.attempt').count()) === 4;
      },
      { what: 'a fourth attempt on the reloaded page' },
    );
    expect(await attemptResults(page)).toEqual(['HTTP 500', 'HTTP 500', 'HTTP 200', 'HTTP 200']);
    // The replay is listed in the timeline, between the first delivery and the fresh attempt.
    const rows = await page
      .locator('table.attempts tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.className));
    expect(rows).toEqual(['attempt', 'attempt', 'attempt', 'replay', 'attempt']);
    expect(await page.locator('tr.replay').innerText()).toContain('it was delivered');
    const deliveries = relay.backend.store.list({ id });
    expect(deliveries).toHaveLength(before + 1);
    expect(deliveries.at(-1)!.status).toBe(200);
    expect(deliveries.at(-1)!.headers['x-hookrelay-id']).toBe(id);
  });

  it('loaded nothing but the dashboard itself, with no Content-Security-Policy violation', () => {
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((request) => !request.startsWith(`${dashboard.http.url}/`))).toEqual(
      [],
    );
    expect(violations).toEqual([]);
  });
});
