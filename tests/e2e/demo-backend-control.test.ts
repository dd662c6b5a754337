import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoBackend, type DemoBackend } from '@hookrelay/demo-backend';
import { listen, type Listening } from '@hookrelay/testing';

describe('the demo backend: the /_control validation, JSON errors and /readyz', () => {
  let demo: DemoBackend;
  let http: Listening;

  beforeAll(async () => {
    demo = createDemoBackend();
    http = await listen(demo.app);
  });
  afterAll(() => http?.close());

  async function send(path: string, body: string, contentType = 'application/json') {
    const response = await fetch(`${http.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as { error?: { code: string; message: string } },
    };
  }
  const control = (body: string, contentType?: string) => send('/_control', body, contentType);

  it('refuses a rule whose status is not a status with 400, naming the field and the allowed values', async () => {
    demo.rules.set([]);
    expect(await control('{"rules":[{"status":"abc"}]}')).toEqual({
      status: 400,
      type: expect.stringContaining('application/json'),
      body: {
        error: {
          code: 'body_invalid',
          message: 'rules[0].status: "abc" is not an integer from 200 to 599',
        },
      },
    });
    expect(demo.rules.list()).toEqual([]);
  });

  it('refuses a rule put at the top level, an unknown rule field and each badly typed field', async () => {
    const refused = {
      '{"status":"abc"}': /^status: unknown field; rules go in "rules"/,
      '{"status":500}': /^status: unknown field; rules go in "rules"/,
      '{}': /^nothing to set: give rules, tolerate or outage/,
      '{"rules":{"status":500}}': /^rules: not a list/,
      '{"rules":[{"code":500}]}':
        /^rules\[0\]\.code: unknown field; a rule has path, status, retryAfter, hang, delayMs, times$/,
      '{"rules":[{"constructor":1}]}': /^rules\[0\]\.constructor: unknown field/,
      '{"rules":[{"status":500},{"status":99}]}': /^rules\[1\]\.status: 99 is not an integer/,
      '{"rules":[{"status":500.5}]}': /^rules\[0\]\.status: 500\.5 is not an integer/,
      '{"rules":[{"retryAfter":5}]}': /^rules\[0\]\.retryAfter: 5 is not a string of seconds/,
      '{"rules":[{"retryAfter":"1\\n2"}]}': /^rules\[0\]\.retryAfter: "1\\n2" is not a string/,
      '{"rules":[{"hang":"yes"}]}': /^rules\[0\]\.hang: "yes" is not true or false$/,
      '{"rules":[{"delayMs":-1}]}': /^rules\[0\]\.delayMs: -1 is not an integer from 0/,
      '{"rules":[{"times":0}]}': /^rules\[0\]\.times: 0 is not an integer from 1 up$/,
      '{"rules":[{"path":"orders"}]}':
        /^rules\[0\]\.path: "orders" is not a path starting with \/$/,
      '{"rules":[7]}': /^rules\[0\]: 7 is not an object/,
      '[]': /^the body is not a JSON object/,
    };
    for (const [body, message] of Object.entries(refused)) {
      const answer = await control(body);
      expect([body, answer.status, answer.body.error?.code], body).toEqual([
        body,
        400,
        'body_invalid',
      ]);
      expect(answer.body.error?.message, body).toMatch(message);
    }
  });

  it('answers a body that is not JSON with a JSON 400, not an HTML page with a stack trace', async () => {
    for (const [body, contentType] of [
      ['not json', 'application/json'],
      ['{"rules":[', 'application/json'],
      ['"abc"', 'application/json'],
      ['rules=[]', 'application/x-www-form-urlencoded'],
      ['{"rules":[]}', 'text/plain'],
    ] as const) {
      const answer = await control(body, contentType);
      expect([body, answer.status, answer.type, answer.body.error?.code]).toEqual([
        body,
        400,
        expect.stringContaining('application/json'),
        'body_invalid',
      ]);
      expect(answer.body.error?.message).toMatch(/^the body is not (valid )?JSON/);
      expect(JSON.stringify(answer.body)).not.toMatch(/ at |<html|<pre/i);
    }
  });

  it('keeps the previous rules when refusing, and takes valid ones as before', async () => {
    const rules = [
      { path: '/orders', status: 429, retryAfter: '5', times: 2 },
      { hang: false, delayMs: 0 },
    ];
    expect(await control(JSON.stringify({ rules }))).toMatchObject({
      status: 200,
      body: { rules },
    });
    expect((await control('{"rules":[{"status":"abc"}]}')).status).toBe(400);
    expect(demo.rules.list()).toEqual(rules);

    const delivery = await send('/orders', '{}');
    expect(delivery.status).toBe(429);
    expect((await control('{"rules":[]}')).body).toEqual({
      rules: [],
      tolerate: null,
      outage: false,
    });
    expect((await send('/orders', '{}')).status).toBe(200);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${http.url}/nothing/here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'no route GET /nothing/here' },
    });
  });

  it('has /readyz like every app, ready as soon as it answers (it needs no Redis)', async () => {
    const response = await fetch(`${http.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });
});
