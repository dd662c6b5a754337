import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startRelay, STRIPE_SECRET, type Relay } from './harness.js';

const body = readFileSync(
  new URL('../fixtures/stripe/payment_intent.succeeded.json', import.meta.url),
);
const header = (
  payload: string | Buffer,
  timestamp = Math.floor(Date.now() / 1000),
  secret = STRIPE_SECRET,
) => Stripe.webhooks.generateTestHeaderString({ payload: payload.toString(), secret, timestamp });

describe('the ingress refuses what it cannot trust and enqueues none of it', () => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await startRelay({
      workers: false,
      yaml: `
sources:
  stripe:
    path: /api/webhooks/stripe
    bodyLimit: 2kb
    verify: { type: stripe, secret: \${STRIPE_WEBHOOK_SECRET} }
    destination: { url: \${BACKEND_URL}/webhooks/stripe }
  payment:
    verify: { type: hmac, header: x-signature, secret: payment-secret }
    event: { id: body.transaction_id }
    destination: { url: \${BACKEND_URL}/webhooks/payment }
`,
    });
  });
  afterAll(() => relay.close());

  async function enqueued(): Promise<number> {
    const counts = await Promise.all(['stripe', 'payment'].map((s) => relay.queue(s).count()));
    return counts.reduce((a, b) => a + b, 0);
  }

  it('a missing signature is 401 signature_missing', async () => {
    const answer = await post(relay, '/api/webhooks/stripe', body);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: { code: 'signature_missing' } });
  });

  it('a tampered body is 400 signature_invalid', async () => {
    const tampered = body.toString().replace('15000', '1500000');
    const answer = await post(relay, '/api/webhooks/stripe', tampered, {
      'stripe-signature': header(body),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'signature_invalid' } });
  });

  it('a signature made with another secret is 400 signature_invalid', async () => {
    const answer = await post(relay, '/api/webhooks/stripe', body, {
      'stripe-signature': header(body, undefined, 'whsec_other'),
    });
    expect(answer.status).toBe(400);
  });

  it('a stale timestamp is 400 timestamp_out_of_tolerance', async () => {
    const answer = await post(relay, '/api/webhooks/stripe', body, {
      'stripe-signature': header(body, Math.floor(Date.now() / 1000) - 600),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'timestamp_out_of_tolerance' } });
  });

  it('a timestamp from the future is 400 timestamp_out_of_tolerance', async () => {
    const answer = await post(relay, '/api/webhooks/stripe', body, {
      'stripe-signature': header(body, Math.floor(Date.now() / 1000) + 600),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'timestamp_out_of_tolerance' } });
  });

  it('a body over the source limit is 413 payload_too_large', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(4096) });
    const answer = await post(relay, '/api/webhooks/stripe', big, {
      'stripe-signature': header(big),
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('a body that must be read for its event id but is not JSON is 400 body_invalid', async () => {
    const text = 'transaction_id=42';
    const { createHmac } = await import('node:crypto');
    const signature = createHmac('sha256', 'payment-secret').update(text).digest('hex');
    const answer = await post(relay, '/webhooks/payment', text, { 'x-signature': signature });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'body_invalid' } });
  });

  it('another method on a source path is 405 and an unknown path 404', async () => {
    const get = await fetch(`${relay.ingress.url}/api/webhooks/stripe`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const unknown = await post(relay, '/api/webhooks/nope', body);
    expect(unknown.status).toBe(404);
  });

  it('nothing of the above reached the queue, and each rejection was logged with its reason but no signature', async () => {
    expect(await enqueued()).toBe(0);
    const rejected = relay.logs.find('rejected');
    expect(rejected.map((entry) => entry.code)).toEqual(
      expect.arrayContaining([
        'signature_missing',
        'signature_invalid',
        'timestamp_out_of_tolerance',
        'payload_too_large',
        'body_invalid',
      ]),
    );
    expect(relay.logs.lines.join('\n')).not.toMatch(/v1=|payment-secret|whsec_/);
  });

  it('health and readiness answer', async () => {
    expect((await fetch(`${relay.ingress.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${relay.ingress.url}/readyz`)).status).toBe(200);
  });
});
