import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from '@hookrelay/dashboard';
import {
  basicAuth,
  DASHBOARD_PASSWORD,
  DASHBOARD_USER,
  startDashboard,
  type Dashboard,
  ONE_SOURCE_YAML,
} from './dashboard-harness.js';
import { startRelay, type Relay } from './harness.js';

const LIMIT = 10;
const WINDOW_MS = 60_000;
const WRONG_PASSWORD = 'guess-number-seven';

/** GET /api/sources from a chosen loopback source address (all of 127.0.0.0/8 is this machine). */
function getFrom(
  from: string,
  url: string,
  authorization?: string,
): Promise<{ status: number; retryAfter?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${url}/api/sources`,
      { localAddress: from, headers: authorization ? { authorization } : {} },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            retryAfter: response.headers['retry-after'],
            body,
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('failed dashboard logins are logged and throttled per client address', () => {
  let relay: Relay;
  let dashboard: Dashboard;
  const clock = { now: Date.now() };
  const right = basicAuth(DASHBOARD_USER, DASHBOARD_PASSWORD);
  const wrong = basicAuth('mallory', WRONG_PASSWORD);

  beforeAll(async () => {
    relay = await startRelay({ workers: false, yaml: ONE_SOURCE_YAML });
    // The default limits, on a clock the test moves, so the window can pass without waiting.
    dashboard = await startDashboard(relay, {
      loginThrottle: new LoginThrottle({ now: () => clock.now }),
    });
  });
  afterAll(async () => {
    await dashboard?.close();
    await relay?.close();
  });

  it(`after ${LIMIT} failures in a minute a client gets 429 with Retry-After, even with the right password`, async () => {
    for (let n = 0; n < LIMIT; n++) {
      expect((await getFrom('127.0.0.1', dashboard.http.url, wrong)).status).toBe(401);
    }
    clock.now += 15_000;
    for (const authorization of [wrong, right]) {
      const answer = await getFrom('127.0.0.1', dashboard.http.url, authorization);
      expect([answer.status, answer.retryAfter, JSON.parse(answer.body)]).toEqual([
        429,
        '45',
        { error: { code: 'too_many_failed_logins', message: expect.any(String) } },
      ]);
    }
  });

  it('another client address is not affected', async () => {
    expect((await getFrom('127.0.0.2', dashboard.http.url, right)).status).toBe(200);
  });

  it('requests without credentials are not counted: a browser sends one before every challenge', async () => {
    for (let n = 0; n < LIMIT * 2; n++) {
      expect((await getFrom('127.0.0.3', dashboard.http.url)).status).toBe(401);
    }
    expect((await getFrom('127.0.0.3', dashboard.http.url, right)).status).toBe(200);
  });

  it('the client may log in again once its window has passed', async () => {
    clock.now += WINDOW_MS;
    expect((await getFrom('127.0.0.1', dashboard.http.url, right)).status).toBe(200);
  });

  it('each failure is a warn line with the client address and the username tried, never the password', () => {
    const failures = dashboard.logs.find('dashboard login failed');
    expect(failures).toHaveLength(LIMIT);
    expect(failures[0]).toMatchObject({
      level: 'warn',
      client: '127.0.0.1',
      scheme: 'basic',
      username: 'mallory',
      failures: 1,
      throttled: false,
    });
    expect(failures[LIMIT - 1]).toMatchObject({ failures: LIMIT, throttled: true });
    const text = dashboard.logs.lines.join('\n');
    for (const secret of [WRONG_PASSWORD, DASHBOARD_PASSWORD, wrong.slice(6), right.slice(6)]) {
      expect(text).not.toContain(secret);
    }
  });
});
