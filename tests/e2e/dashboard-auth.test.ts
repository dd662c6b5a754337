import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from '@hookrelay/dashboard';
import {
  basicAuth,
  DASHBOARD_PASSWORD,
  DASHBOARD_TOKEN,
  DASHBOARD_USER,
  startDashboard,
  type Dashboard,
  ONE_SOURCE_YAML,
} from './dashboard-harness.js';
import { startRelay, type Relay } from './harness.js';
import { concretePath, routeTable, type RouteEntry } from './route-table.js';

const DASHBOARD_ENTRY = fileURLToPath(
  new URL('../../apps/dashboard/dist/index.js', import.meta.url),
);
const OPEN = new Set(['/healthz', '/readyz']);

const WRONG: Record<string, Record<string, string>> = {
  'no credentials': {},
  'a wrong password': { authorization: basicAuth(DASHBOARD_USER, 'not-the-password') },
  'a wrong username': { authorization: basicAuth('intruder', DASHBOARD_PASSWORD) },
  'a wrong token': { authorization: 'Bearer not-the-token' },
  'the password as a token': { authorization: `Bearer ${DASHBOARD_PASSWORD}` },
  'the token as a password': { authorization: basicAuth(DASHBOARD_USER, DASHBOARD_TOKEN) },
  'an unknown scheme': { authorization: `Digest ${DASHBOARD_TOKEN}` },
};

describe('the dashboard lets nobody in without credentials', () => {
  let relay: Relay;
  let dashboard: Dashboard;
  let routes: RouteEntry[];

  beforeAll(async () => {
    relay = await startRelay({ workers: false, yaml: ONE_SOURCE_YAML });
    // Hundreds of wrong credentials from one address, on purpose: the throttle would answer 429
    // (dashboard-login-throttle.test.ts covers it), so this suite gets a limit it never reaches.
    dashboard = await startDashboard(relay, {
      loginThrottle: new LoginThrottle({ maxFailures: 100_000 }),
    });
    routes = [...routeTable(dashboard.app), ...routeTable(dashboard.app.board)];
  });
  afterAll(async () => {
    await dashboard?.close();
    await relay?.close();
  });

  const send = (route: RouteEntry, headers: Record<string, string>) =>
    fetch(`${dashboard.http.url}${concretePath(route.path)}`, {
      method: route.method,
      headers: { 'content-type': 'application/json', ...headers },
      body: route.method === 'GET' || route.method === 'HEAD' ? undefined : '{}',
    });

  it('the route tables hold the ops API, Bull Board pages, its API and its static files', () => {
    const paths = routes.map((route) => `${route.method} ${route.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'GET /api/sources',
        'GET /api/dead-letters',
        'POST /api/dead-letters/replay',
        'POST /api/events/:id/replay',
        'POST /api/sources/:name/pause',
        'POST /api/sources/:name/resume',
        'GET /',
        'GET /api/queues',
        'PUT /api/queues/:queueName/:jobId/retry',
        'GET /static/',
      ]),
    );
    expect(routes.length).toBeGreaterThan(40);
  });

  for (const [what, headers] of Object.entries(WRONG)) {
    it(`every route but /healthz and /readyz answers 401 with ${what}`, async () => {
      const guarded = routes.filter((route) => !OPEN.has(route.path));
      const answers = await Promise.all(
        guarded.map(
          async (route) =>
            [`${route.method} ${route.path}`, (await send(route, headers)).status] as const,
        ),
      );
      expect(answers.filter(([, status]) => status !== 401)).toEqual([]);
    });
  }

  it('a 401 challenges for Basic credentials, so a browser asks for them, and says why in JSON', async () => {
    const response = await fetch(`${dashboard.http.url}/`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="hookrelay"/);
    expect(await response.json()).toEqual({
      error: { code: 'unauthorized', message: expect.any(String) },
    });
  });

  it('unknown paths answer 401 too, so nothing can be mapped without credentials', async () => {
    expect((await fetch(`${dashboard.http.url}/nothing/here`)).status).toBe(401);
    expect(
      (
        await fetch(`${dashboard.http.url}/nothing/here`, {
          headers: { authorization: dashboard.basic },
        })
      ).status,
    ).toBe(404);
  });

  it('the right Basic credentials or the Bearer token open the API, the board and its static files', async () => {
    for (const authorization of [
      dashboard.basic,
      `Bearer ${DASHBOARD_TOKEN}`,
      `bearer   ${DASHBOARD_TOKEN}`,
    ]) {
      expect(
        (await fetch(`${dashboard.http.url}/api/sources`, { headers: { authorization } })).status,
      ).toBe(200);
    }
    const page = await fetch(`${dashboard.http.url}/`, {
      headers: { authorization: dashboard.basic },
    });
    expect(page.status).toBe(200);
    const html = await page.text();
    const asset = /(?:src|href)="\/?(static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    expect((await fetch(`${dashboard.http.url}/${asset}`)).status).toBe(401);
    expect(
      (
        await fetch(`${dashboard.http.url}/${asset}`, {
          headers: { authorization: dashboard.basic },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await fetch(`${dashboard.http.url}/api/queues`, {
          headers: { authorization: dashboard.basic },
        })
      ).status,
    ).toBe(200);
  });

  it('health and readiness answer without credentials', async () => {
    expect((await fetch(`${dashboard.http.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${dashboard.http.url}/readyz`)).json()).toEqual({
      status: 'ready',
      redis: true,
    });
  });

  it('no credential ever reaches the log', () => {
    const text = dashboard.logs.lines.join('\n');
    for (const secret of [
      DASHBOARD_PASSWORD,
      DASHBOARD_TOKEN,
      Buffer.from(`${DASHBOARD_USER}:${DASHBOARD_PASSWORD}`).toString('base64'),
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('the dashboard process', () => {
  it('refuses to start with neither a password nor a token, exiting 1 with one clear line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookrelay-dashboard-'));
    try {
      const config = join(dir, 'hookrelay.yaml');
      writeFileSync(
        config,
        `redis: { url: "redis://127.0.0.1:1" }\ndashboard: { password: "\${DASHBOARD_PASSWORD:-}", token: "\${DASHBOARD_TOKEN:-}" }\nsources:\n  a: { verify: { type: none }, destination: { url: "http://127.0.0.1:9" } }\n`,
      );
      const { DASHBOARD_PASSWORD: _p, DASHBOARD_TOKEN: _t, ...env } = process.env;
      const result = spawnSync(process.execPath, [DASHBOARD_ENTRY], {
        env: { ...env, HOOKRELAY_CONFIG: config },
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toMatch(
        /^hookrelay dashboard: refusing to start without credentials; set DASHBOARD_PASSWORD or DASHBOARD_TOKEN/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
