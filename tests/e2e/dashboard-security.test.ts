import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_TOKEN } from './dashboard-harness.js';
import {
  DEAD_LETTERS,
  QUEUE,
  queueState,
  SOURCE,
  startWithDeadLetters,
  type DeadLetterSetup,
} from './dashboard-security-fixture.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('the dashboard refuses writes from other sites and replays only on an explicit JSON body', () => {
  let setup: DeadLetterSetup;
  let url: string;
  const send = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { method: 'POST', ...init });
  const authorized = (headers: Record<string, string> = {}) => ({
    authorization: setup.dashboard.basic,
    ...headers,
  });

  beforeAll(async () => {
    setup = await startWithDeadLetters();
    url = setup.dashboard.http.url;
  });
  afterAll(() => setup?.close());

  it('a cross-site form post, with the Basic credentials the browser cached, pauses nothing and replays nothing', async () => {
    const before = await queueState(setup.relay);
    expect(before).toMatchObject({ paused: false, counts: { failed: DEAD_LETTERS, waiting: 0 } });
    const foreign: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'null' },
      // Another port on the dashboard's own host is another application.
      { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      for (const path of [`/api/sources/${SOURCE}/pause`, '/api/dead-letters/replay']) {
        const answer = await send(path, {
          headers: authorized({ ...FORM, ...headers }),
          body: 'a=1',
        });
        expect([path, headers, answer.status, await answer.json()]).toEqual([
          path,
          headers,
          403,
          { error: { code: 'cross_origin_refused', message: expect.any(String) } },
        ]);
      }
    }
    expect(await queueState(setup.relay)).toEqual(before);
    expect(setup.dashboard.logs.find('source paused')).toEqual([]);
    expect(setup.dashboard.logs.find('cross-origin request refused')[0]).toMatchObject({
      level: 'warn',
      method: 'POST',
      reason: 'Origin: http://evil.example',
    });
  });

  it("covers Bull Board's own API: a cross-site PUT cannot retry every dead letter or pause the queue", async () => {
    const before = await queueState(setup.relay);
    for (const path of [`/api/queues/${QUEUE}/retry/failed`, `/api/queues/${QUEUE}/pause`]) {
      const answer = await send(path, {
        method: 'PUT',
        headers: authorized({ origin: 'http://evil.example' }),
      });
      expect([path, answer.status]).toEqual([path, 403]);
    }
    expect(await queueState(setup.relay)).toEqual(before);
  });

  it('refuses before looking at credentials: no Basic prompt for the foreign page, no failed login counted', async () => {
    const answer = await send(`/api/sources/${SOURCE}/pause`, {
      headers: { ...FORM, origin: 'http://evil.example', authorization: 'Basic d3Jvbmc6d3Jvbmc=' },
    });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBeNull();
    expect(setup.dashboard.logs.find('dashboard login failed')).toEqual([]);
  });

  it("the dashboard's own pages, and clients that name no origin (curl, scripts, the Bearer token), still work", async () => {
    const own = await send(`/api/sources/${SOURCE}/pause`, {
      headers: authorized({ origin: url, 'sec-fetch-site': 'same-origin' }),
    });
    expect([own.status, await own.json()]).toEqual([
      200,
      { source: SOURCE, paused: true, queues: [QUEUE] },
    ]);
    const plain = await send(`/api/sources/${SOURCE}/resume`, { headers: authorized() });
    expect(plain.status).toBe(200);
    const script = await send('/api/dead-letters/replay', {
      headers: { authorization: `Bearer ${DASHBOARD_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ dryRun: true }),
    });
    expect([script.status, await script.json()]).toEqual([200, { wouldReplay: DEAD_LETTERS }]);
    expect((await queueState(setup.relay)).paused).toBe(false);
  });

  it('a replay whose body is not JSON is refused with 400 and replays nothing, instead of replaying everything', async () => {
    const before = await queueState(setup.relay);
    const bodies: [Record<string, string>, string | undefined][] = [
      [FORM, 'source=shop'],
      [{ 'content-type': 'text/plain' }, '{}'],
      [{ 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
      [{}, undefined],
      [{ 'content-type': 'application/json' }, ''],
      [{ 'content-type': 'application/json' }, '   '],
      [{ 'content-type': 'application/json' }, 'null'],
    ];
    for (const [headers, body] of bodies) {
      const answer = await send('/api/dead-letters/replay', { headers: authorized(headers), body });
      expect([headers, body, answer.status, await answer.json()]).toEqual([
        headers,
        body,
        400,
        { error: { code: 'body_invalid', message: expect.any(String) } },
      ]);
    }
    expect(await queueState(setup.relay)).toEqual(before);
    expect(setup.dashboard.logs.find('dead letters replayed')).toEqual([]);
  });
});
