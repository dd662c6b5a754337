import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDemoBackend, type DemoBackend } from '@hookrelay/demo-backend';
import { listen, type Listening } from '@hookrelay/testing';

// README.md → "Protecting your backend": the demo backend's tolerated rate and outage switch.
describe('the demo backend: a tolerated rate, an outage switch and what /deliveries/stats shows', () => {
  let demo: DemoBackend;
  let http: Listening;
  let clock = 1_700_000_000_000;

  beforeAll(async () => {
    demo = createDemoBackend({ now: () => clock });
    http = await listen(demo.app);
  });
  afterAll(() => http?.close());
  beforeEach(async () => {
    await control({ rules: [], tolerate: null, outage: false });
    await fetch(`${http.url}/deliveries`, { method: 'DELETE' });
  });

  async function control(body: unknown) {
    const response = await fetch(`${http.url}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & {
        error?: { code: string; message: string };
      },
    };
  }
  let next = 0;
  async function deliver(path = '/webhooks/payment', id = `evt_${next++}`) {
    const response = await fetch(`${http.url}${path}`, {
      method: 'POST',
      headers: { 'x-hookrelay-id': id },
      body: '{}',
    });
    await response.arrayBuffer();
    return [response.status, response.headers.get('retry-after')];
  }
  async function stats() {
    return (await (await fetch(`${http.url}/deliveries/stats`)).json()) as Record<string, number>;
  }

  it('answers 429 with Retry-After beyond the tolerated rate, and 200 again in the next window', async () => {
    expect(await control({ tolerate: { max: 2, per: '1s' } })).toEqual({
      status: 200,
      body: { rules: [], tolerate: { max: 2, per: '1s' }, outage: false },
    });
    const answers = [];
    for (const id of ['evt_a', 'evt_b', 'evt_c'])
      answers.push(await deliver('/webhooks/payment', id));
    expect(answers).toEqual([
      [200, null],
      [200, null],
      [429, '1'],
    ]);
    clock += 1_000;
    expect(await deliver('/webhooks/payment', 'evt_c')).toEqual([200, null]);
    expect(await stats()).toMatchObject({
      count: 4,
      unique: 3,
      delivered: 3,
      failedAnswers: 1,
      tooManyRequests: 1,
      serverErrors: 0,
      busiestSecond: 3,
    });
  });

  it('gives the whole seconds until the next one is taken as Retry-After, and defaults per to 1s', async () => {
    await control({ tolerate: { max: 1, per: '5s' } });
    expect(await deliver()).toEqual([200, null]);
    clock += 1_500;
    expect(await deliver()).toEqual([429, '4']);
    expect((await control({ tolerate: { max: 3 } })).body.tolerate).toEqual({ max: 3, per: '1s' });
    expect((await control({ tolerate: null })).body.tolerate).toBeNull();
    for (let i = 0; i < 5; i++) expect(await deliver()).toEqual([200, null]);
  });

  it('answers 503 to everything while the outage switch is on, whatever the rules, then 200 again', async () => {
    await control({ rules: [{ status: 200, times: 5 }], tolerate: { max: 100, per: '1s' } });
    expect((await control({ outage: true })).body).toEqual({
      rules: [{ status: 200, times: 5 }],
      tolerate: { max: 100, per: '1s' },
      outage: { status: 503 },
    });
    expect([await deliver(), await deliver('/webhooks/stripe')]).toEqual([
      [503, null],
      [503, null],
    ]);
    expect(await stats()).toMatchObject({ count: 2, serverErrors: 2, tooManyRequests: 0 });

    await control({ outage: { status: 500, retryAfter: '30' } });
    expect(await deliver()).toEqual([500, '30']);

    // Switching the outage off keeps the rate and the rules that were set.
    expect((await control({ outage: false })).body).toMatchObject({
      outage: false,
      tolerate: { max: 100, per: '1s' },
    });
    expect(await deliver()).toEqual([200, null]);
    expect((await fetch(`${http.url}/_control`).then((r) => r.json())) as unknown).toEqual({
      rules: [{ status: 200, times: 4 }],
      tolerate: { max: 100, per: '1s' },
      outage: false,
    });
  });

  it('refuses a bad tolerate or outage with 400 naming the field, and keeps what was in force', async () => {
    await control({ tolerate: { max: 7, per: '2s' }, outage: false });
    const refused: Record<string, RegExp> = {
      '{"tolerate":5}':
        /^tolerate: 5 is not an object or null; e\.g\. \{"tolerate":\{"max":50,"per":"1s"\}\}/,
      '{"tolerate":{}}': /^tolerate\.max: required, an integer from 1 to 1000000/,
      '{"tolerate":{"max":0}}': /^tolerate\.max: 0 is not an integer from 1 to 1000000/,
      '{"tolerate":{"max":"50"}}': /^tolerate\.max: "50" is not an integer/,
      '{"tolerate":{"max":50,"per":"1 second"}}':
        /^tolerate\.per: "1 second" is not a duration from 1ms to 1h such as "500ms", "1s", "1m"$/,
      '{"tolerate":{"max":50,"per":1000}}': /^tolerate\.per: 1000 is not a duration/,
      '{"tolerate":{"max":50,"per":null}}': /^tolerate\.per: null is not a duration/,
      '{"tolerate":{"max":50,"per":"2h"}}': /^tolerate\.per: "2h" is not a duration from 1ms to 1h/,
      '{"tolerate":{"max":50,"burst":5}}':
        /^tolerate\.burst: unknown field; tolerate has max, per$/,
      '{"outage":"on"}':
        /^outage: "on" is not true, false or an object; e\.g\. \{"outage":true\} \(503\)/,
      '{"outage":{"status":429}}': /^outage\.status: 429 is not an integer from 500 to 599$/,
      '{"outage":{"retryAfter":5}}': /^outage\.retryAfter: 5 is not a string of seconds/,
      '{"outage":{"for":"5m"}}': /^outage\.for: unknown field; outage has status, retryAfter$/,
      '{"outage":true,"tolerate":{"max":-1}}': /^tolerate\.max: -1 is not/,
      '{"limit":{"max":5}}':
        /^limit: unknown field; rules go in "rules" \(the other fields are "tolerate" and "outage"\)/,
    };
    for (const [body, message] of Object.entries(refused)) {
      const answer = await control(body);
      expect([body, answer.status, answer.body.error?.code]).toEqual([body, 400, 'body_invalid']);
      expect(answer.body.error?.message, body).toMatch(message);
    }
    expect(await fetch(`${http.url}/_control`).then((r) => r.json())).toEqual({
      rules: [],
      tolerate: { max: 7, per: '2s' },
      outage: false,
    });
  });
});
