import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { basicAuth, DASHBOARD_USER, startDashboard, type Dashboard } from './dashboard-harness.js';
import { post, startRelay, type Relay } from './harness.js';

const XSS_TYPE = '<script>alert(1)</script>';
const XSS_NOTE = '<img src=x onerror=alert(1)>';

/** `href="…"` values as the browser reads them (the page escapes `&`). */
const unescapeAttribute = (value: string) => value.replaceAll('&amp;', '&');

describe('the events pages: credentials, same-origin writes, escaping, errors as pages', () => {
  let relay: Relay;
  let dashboard: Dashboard;
  let url: string;
  /** Delivered, with a hostile type and body. */
  let xss: string;
  /** `twin-1` in both sources: its provider id names two events (the shop's is delivered). */
  let shopTwin: string;
  let twins: string[];
  /** In the paused source: still waiting. */
  let waiting: string;

  const get = (path: string) =>
    fetch(`${url}${path}`, { redirect: 'manual', headers: { authorization: dashboard.basic } });
  const page = async (path: string) => {
    const response = await get(path);
    return { status: response.status, headers: response.headers, html: await response.text() };
  };
  const replay = (id: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/events/${id}/replay`, {
      method: 'POST',
      redirect: 'manual',
      headers: { authorization: dashboard.basic, ...headers },
    });
  const send = async (source: string, body: Record<string, unknown>) => {
    const answer = await post(relay, `/webhooks/${source}`, JSON.stringify(body));
    expect(answer.status).toBe(202);
    return answer.body!.id as string;
  };

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
sources:
  shop:
    verify: { type: none }
    event: { id: body.id, type: body.type }
    destination: { url: \${BACKEND_URL}/shop }
  market:
    verify: { type: none }
    event: { id: body.id, type: body.type }
    destination: { url: \${BACKEND_URL}/market }
`,
    });
    dashboard = await startDashboard(relay);
    url = dashboard.http.url;
    await dashboard.ops.pauseSource('market');
    xss = await send('shop', { id: 'xss-1', type: XSS_TYPE, note: XSS_NOTE });
    shopTwin = await send('shop', { id: 'twin-1', type: 'order.paid' });
    twins = [shopTwin, await send('market', { id: 'twin-1', type: 'order.paid' })].sort();
    waiting = await send('market', { id: 'wait-1', type: 'order.created' });
    await waitFor(
      async () => (await relay.queue('shop').getJobCounts('completed')).completed === 2,
      { what: "the shop's two events delivered" },
    );
  });
  afterAll(async () => {
    await dashboard?.close();
    await relay?.close();
  });

  it('answer 401 with a Basic challenge without valid credentials, and serve HTML with them', async () => {
    const wrong = basicAuth(DASHBOARD_USER, 'not-the-password');
    for (const authorization of [undefined, wrong]) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const answers = [
        await fetch(`${url}/events`, { headers }),
        await fetch(`${url}/events?q=xss-1`, { headers, redirect: 'manual' }),
        await fetch(`${url}/events/${xss}`, { headers }),
        await fetch(`${url}/events/${xss}/replay`, { method: 'POST', headers, redirect: 'manual' }),
      ];
      for (const answer of answers) {
        expect([answer.url, answer.status]).toEqual([answer.url, 401]);
        expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      }
    }
    expect(dashboard.logs.find('event replayed')).toEqual([]);
    const allowed = await get('/events');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('carry the CSP, no framing and Cache-Control: no-store', async () => {
    for (const path of ['/events', `/events/${xss}`, '/events/evt_nothing_here']) {
      const { headers } = await page(path);
      const csp = headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("script-src-attr 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('refuse a cross-origin replay with 403 before the credential check, and replay from their own origin', async () => {
    const foreign: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      // Refused before the credential check: wrong credentials get the same 403, no Basic prompt.
      { origin: 'http://evil.example', authorization: basicAuth(DASHBOARD_USER, 'wrong') },
    ];
    const failedLogins = dashboard.logs.find('dashboard login failed').length;
    for (const headers of foreign) {
      const answer = await replay(xss, {
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      });
      expect([headers, answer.status, await answer.json()]).toEqual([
        headers,
        403,
        { error: { code: 'cross_origin_refused', message: expect.any(String) } },
      ]);
      expect(answer.headers.get('www-authenticate')).toBeNull();
    }
    expect(dashboard.logs.find('event replayed')).toEqual([]);
    expect(dashboard.logs.find('dashboard login failed')).toHaveLength(failedLogins);
    expect(await relay.queue('shop').getJobState(xss)).toBe('completed');
    expect(relay.backend.store.list({ id: xss })).toHaveLength(1);

    const own = await replay(xss, { origin: url, 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(303);
    expect(own.headers.get('location')).toBe(`/events/${xss}?replayed=1`);
    expect(dashboard.logs.find('event replayed')).toEqual([
      expect.objectContaining({
        id: xss,
        deliveries: [{ source: 'shop', destination: 'default', from: 'delivered' }],
      }),
    ]);
    await waitFor(() => relay.backend.store.list({ id: xss }).length === 2, {
      what: 'the replayed delivery',
    });
    const after = await page(`/events/${xss}?replayed=1`);
    expect(after.html).toContain('Replayed to 1 destination(s).');
  });

  it('escape everything that comes from an event: a <script> type never reaches the page as a tag', async () => {
    const escapedType = '&lt;script&gt;alert(1)&lt;/script&gt;';
    const list = await page('/events');
    const detail = await page(`/events/${xss}`);
    const filtered = await page(`/events?type=${encodeURIComponent('<script>*')}`);
    for (const { status, html } of [list, detail, filtered]) {
      expect(status).toBe(200);
      expect(html).not.toContain(XSS_TYPE);
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain(escapedType);
    }
    expect(filtered.html).toContain(`href="/events/${xss}"`);
    expect(filtered.html).not.toContain(`href="/events/${twins[0]}"`);
    // The body is shown as received, escaped: no live <img onerror>.
    expect(detail.html).not.toContain(XSS_NOTE);
    expect(detail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');

    // What the operator typed is shown back escaped too, in a notice and in the form.
    const search = await page(`/events?q=${encodeURIComponent('<script>alert(2)</script>')}`);
    expect(search.status).toBe(200);
    expect(search.html).toContain(
      'No event with id <code>&lt;script&gt;alert(2)&lt;/script&gt;</code>',
    );
    expect(search.html).not.toMatch(/<script/i);
    const echoed = await page(`/events?type=${encodeURIComponent('"><script>alert(3)</script>')}`);
    expect(echoed.html).toContain('value="&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"');
    expect(echoed.html).not.toMatch(/<script/i);
  });

  it('answer a refused filter with the page, its message and 400, never a stack; unknown parameters are ignored', async () => {
    const refused: [string, string][] = [
      ['/events?since=yesterday', 'since'],
      ['/events?status=a&status=b', 'status: give it once'],
      ['/events?q=a&q=b', 'q: give it once'],
      ['/events?status=lost', 'status: expected one of waiting, scheduled'],
      ['/events?source=nope', 'no source named &quot;nope&quot;'],
      ['/events?limit=0', 'limit: expected a whole number'],
      ['/events?cursor=not-a-cursor', 'cursor'],
    ];
    for (const [path, message] of refused) {
      const { status, headers, html } = await page(path);
      expect([path, status, headers.get('content-type')]).toEqual([
        path,
        400,
        'text/html; charset=utf-8',
      ]);
      expect(html).toContain('class="notice error"');
      expect(html).toContain(message);
      expect(html).toContain('<form');
      expect(html).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(html).not.toContain('<table class="events"');
    }
    const ignored = await page('/events?foo=bar&source=shop');
    expect(ignored.status).toBe(200);
    expect(ignored.html).toContain(`href="/events/${xss}"`);
  });

  it('search by either id: a hit redirects 303 to the event, a miss or several hits stay on the list with a notice', async () => {
    for (const q of [xss, 'xss-1']) {
      const answer = await get(`/events?q=${encodeURIComponent(q)}`);
      expect([q, answer.status, answer.headers.get('location')]).toEqual([
        q,
        303,
        `/events/${xss}`,
      ]);
    }
    const miss = await page('/events?q=evt_1QnotThere');
    expect(miss.status).toBe(200);
    expect(miss.html).toContain('No event with id <code>evt_1QnotThere</code>.');
    expect(miss.html).toContain('<table class="events"');
    const both = await page('/events?q=twin-1');
    expect(both.status).toBe(200);
    for (const id of twins) expect(both.html).toContain(`href="/events/${id}"`);
    expect(both.html).toContain('Several events carry the provider id <code>twin-1</code>');
  });

  it('show a 404 page for an unknown id, a 409 page listing the events a provider id names', async () => {
    const unknown = await page('/events/evt_nothing_here');
    expect(unknown.status).toBe(404);
    expect(unknown.html).toContain('Event not found');
    expect(unknown.html).toContain('<code>evt_nothing_here</code>');
    const ambiguous = await page('/events/twin-1');
    expect(ambiguous.status).toBe(409);
    for (const id of twins) expect(ambiguous.html).toContain(`href="/events/${id}"`);
    const byProviderId = await page('/events/wait-1');
    expect(byProviderId.status).toBe(200);
    expect(byProviderId.html).toContain(`action="/events/${waiting}/replay"`);
  });

  it('answer a replay that cannot be done with the page and its status: 404 unknown, 409 still on its way', async () => {
    const unknown = await replay('evt_nothing_here');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('Event not found');
    const ambiguous = await replay('twin-1');
    expect(ambiguous.status).toBe(409);
    expect(await ambiguous.text()).toContain('Several events match');
    const unfinished = await replay(waiting);
    expect(unfinished.status).toBe(409);
    const html = await unfinished.text();
    expect(html).toContain('class="notice error"');
    expect(html).toContain('is still being delivered (waiting)');
    expect(html).toContain('Deliveries to default');
    expect(await relay.queue('market').getJobState(waiting)).toBe('waiting');
  });

  it('page with "Older →", keeping the filters, until there is nothing older', async () => {
    const first = await page('/events?source=shop&limit=1');
    const older = /<a rel="next" href="([^"]+)">Older →<\/a>/.exec(first.html)?.[1];
    expect(older).toBeDefined();
    const next = new URL(unescapeAttribute(older!), url);
    expect(Object.fromEntries(next.searchParams)).toEqual({
      source: 'shop',
      limit: '1',
      cursor: expect.stringMatching(/^evt_/),
    });
    expect(first.html).toContain(`href="/events/${shopTwin}"`);
    expect(first.html).not.toContain(`href="/events/${xss}"`);
    const second = await page(`${next.pathname}${next.search}`);
    expect(second.status).toBe(200);
    expect(second.html).toContain(`href="/events/${xss}"`);
    expect(second.html).not.toContain(`href="/events/${shopTwin}"`);
    expect(second.html).toContain('← Newest');
  });
});
