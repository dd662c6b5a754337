import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLAY_PRIORITY } from '@hookrelay/ops';
import { waitFor } from '@hookrelay/testing';
import {
  DASHBOARD_PASSWORD,
  DASHBOARD_USER,
  startDashboard,
  type Dashboard,
} from './dashboard-harness.js';
import { launchChromium } from './dashboard-chromium.js';
import { post, startRelay, type Relay } from './harness.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const QUEUE = 'delivery.orders.default';

describe('an operator in the dashboard, with a real browser', () => {
  let relay: Relay;
  let dashboard: Dashboard;
  let browser: Browser;
  let page: Page;
  let id: string;

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
sources:
  orders:
    verify: { type: none }
    event: { type: body.type }
    destination: { url: \${BACKEND_URL}/orders }
    retry: { attempts: 2, backoff: fixed, delay: 20ms }
`,
    });
    dashboard = await startDashboard(relay);
    relay.backend.rules.set([{ path: '/orders', status: 503 }]);
    id = (
      await post(
        relay,
        '/webhooks/orders',
        JSON.stringify({ type: 'order.paid', amount: 15000, currency: 'XOF' }),
      )
    ).body!.id as string;
    await waitFor(async () => (await relay.queue('orders').getJobState(id)) === 'failed', {
      what: 'the event dead-lettered',
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    const context = await browser.newContext({
      httpCredentials: { username: DASHBOARD_USER, password: DASHBOARD_PASSWORD },
      viewport: { width: 1280, height: 800 },
    });
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await relay?.close();
  });

  it('logs in with Basic credentials and sees every hookrelay queue', async () => {
    const response = await page.goto(`${dashboard.http.url}/`);
    expect(response?.status()).toBe(200);
    await page.getByRole('link', { name: QUEUE }).first().waitFor();
    expect(await page.locator('body').innerText()).toContain(QUEUE);
  });

  it('opens the dead-lettered job from the Failed tab and reads its error and attempt log', async () => {
    await page.getByRole('link', { name: QUEUE }).first().click();
    await page.getByRole('link', { name: /^FAILED/ }).click();
    await page.getByRole('link', { name: id }).click();
    await page.waitForURL(new RegExp(`/queue/${QUEUE.replaceAll('.', '\\.')}/${id}`));
    await page.getByText('HTTP 503 from the backend, attempt 2 of 2').first().waitFor();
    await page.getByText('Logs', { exact: true }).click();
    await page.getByText('"outcome":"dead"').first().waitFor();
    await page.screenshot({ path: `${ARTIFACTS}dashboard-dead-letter.png`, fullPage: true });
  });

  it('retries it from the UI once the backend is back, and the event is delivered under its own id', async () => {
    relay.backend.rules.set([]);
    // The job card's first action is Retry; the confirmation names it.
    await page.locator('ul[class*="jobActions"] button').first().click();
    const confirm = page.getByRole('alertdialog');
    await expect.poll(() => confirm.innerText()).toContain('retry this job');
    await confirm.getByRole('button', { name: 'Confirm' }).click();

    const delivery = await waitFor(
      () => relay.backend.store.list({ id }).find((d) => d.status === 200),
      { what: 'the retried delivery' },
    );
    expect(delivery.headers['x-hookrelay-id']).toBe(id);
    expect(delivery.headers['x-hookrelay-attempt']).toBe('1');
    const job = await waitFor(async () => {
      const current = await relay.queue('orders').getJob(id);
      return current?.finishedOn && (await current.getState()) === 'completed'
        ? current
        : undefined;
    });
    // Bull Board's Retry is a hookrelay replay: fresh attempts, behind live traffic.
    expect(job.priority).toBe(REPLAY_PRIORITY);
    await page.goto(`${dashboard.http.url}/queue/${QUEUE}?status=completed`);
    await page.getByText(id).first().waitFor();
    await page.screenshot({ path: `${ARTIFACTS}dashboard-retried.png`, fullPage: true });
  });
});
