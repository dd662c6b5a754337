import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard, ONE_SOURCE_YAML } from './dashboard-harness.js';
import { startRelay, type Relay } from './harness.js';

describe('every dashboard answer carries the browser-hardening headers', () => {
  let relay: Relay;
  let dashboard: Dashboard;

  beforeAll(async () => {
    relay = await startRelay({ workers: false, yaml: ONE_SOURCE_YAML });
    dashboard = await startDashboard(relay);
  });
  afterAll(async () => {
    await dashboard?.close();
    await relay?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${dashboard.http.url}${path}`, { headers });

  it('Bull Board pages, its static files, the ops API, a 401, a 403 and a 404: nosniff, no framing, no X-Powered-By', async () => {
    const withCredentials = { authorization: dashboard.basic };
    const page = await get('/', withCredentials);
    const asset = /(?:src|href)="\/?(static\/[^"]+\.js)"/.exec(await page.text())?.[1];
    const answers = {
      page,
      queuePage: await get('/queue/delivery.shop.default', withCredentials),
      asset: await get(`/${asset}`, withCredentials),
      boardApi: await get('/api/queues', withCredentials),
      opsApi: await get('/api/sources', withCredentials),
      unauthorized: await get('/api/sources'),
      crossOrigin: await fetch(`${dashboard.http.url}/api/sources/shop/pause`, {
        method: 'POST',
        headers: { ...withCredentials, origin: 'http://evil.example' },
      }),
      notFound: await get('/nothing/here', withCredentials),
      health: await get('/healthz'),
    };
    const seen = Object.fromEntries(
      Object.entries(answers).map(([name, response]) => [
        name,
        {
          status: response.status,
          nosniff: response.headers.get('x-content-type-options'),
          frameOptions: response.headers.get('x-frame-options'),
          frameAncestors: /frame-ancestors 'none'/.test(
            response.headers.get('content-security-policy') ?? '',
          ),
          poweredBy: response.headers.get('x-powered-by'),
        },
      ]),
    );
    const hardened = {
      nosniff: 'nosniff',
      frameOptions: 'DENY',
      frameAncestors: true,
      poweredBy: null,
    };
    expect(seen).toEqual({
      page: { status: 200, ...hardened },
      queuePage: { status: 200, ...hardened },
      asset: { status: 200, ...hardened },
      boardApi: { status: 200, ...hardened },
      opsApi: { status: 200, ...hardened },
      unauthorized: { status: 401, ...hardened },
      crossOrigin: { status: 403, ...hardened },
      notFound: { status: 404, ...hardened },
      health: { status: 200, ...hardened },
    });
  });

  it("the page's policy lets Bull Board's own scripts run and nothing else, and is not upgrade-insecure (plain HTTP on loopback)", async () => {
    const policy = (await get('/', { authorization: dashboard.basic })).headers.get(
      'content-security-policy',
    );
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("form-action 'self'");
    expect(policy).not.toContain('unsafe-eval');
    expect(policy).not.toContain('upgrade-insecure-requests');
  });
});
