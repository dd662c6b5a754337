import { createHmac } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { post, startRelay, STRIPE_SECRET, type Relay } from './harness.js';
import { fixture, githubExamples } from './provider-cases.js';
import { backendPath, expectRejected, jobsOf, nowS } from './provider-relay.js';

/**
 * The replays an adversarial review got through, each re-played here as described: a captured,
 * genuinely signed request re-sent with one unsigned thing changed. Each must be refused or
 * recognised as a duplicate, and nothing may be enqueued or delivered a second time.
 */

const PAYMENT_SECRET = 'payment-webhook-secret';
const GITHUB_SECRET = 'github-webhook-secret';
const SHOPIFY_SECRET = 'shpss_replay_secret';
const TWILIO_TOKEN = 'r3pl4yT0ken000000000000000000000';
const TWILIO_URL = 'https://relay.example.com/hooks/twilio';
const WAVE_SECRET = 'wave_sn_WHS_replay';
const SVIX_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const THREE_DAYS_S = 3 * 86_400;

const destination = (source: string) =>
  `destination: { url: "\${BACKEND_URL}${backendPath(source)}" }`;

const YAML = `
defaults: { retry: { attempts: 2, delay: 50ms, maxDelay: 100ms } }
sources:
  stripe:
    verify: { type: stripe, secret: \${STRIPE_WEBHOOK_SECRET} }
    ${destination('stripe')}
  wave:
    verify: { type: wave, secret: ${WAVE_SECRET} }
    ${destination('wave')}
  svix:
    verify: { type: svix, secret: ${SVIX_SECRET} }
    ${destination('svix')}
  payment:
    verify: { type: hmac, header: x-signature, secret: ${PAYMENT_SECRET} }
    event: { id: body.transaction_id, type: body.event }
    ${destination('payment')}
  github:
    verify: { type: github, secret: ${GITHUB_SECRET} }
    ${destination('github')}
  github-by-delivery:
    verify: { type: github, secret: ${GITHUB_SECRET} }
    dedupe: { content: false }
    ${destination('github-by-delivery')}
  shopify:
    verify: { type: shopify, secret: ${SHOPIFY_SECRET} }
    ${destination('shopify')}
  twilio:
    verify: { type: twilio, secret: ${TWILIO_TOKEN}, url: "${TWILIO_URL}" }
    ${destination('twilio')}
`;

const stripeHeader = (payload: string, timestamp: number) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp });

const hex = (secret: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
};

const GITHUB_ISSUE = JSON.stringify(
  githubExamples
    .find((e) => e.name === 'issues')!
    .examples.find((e) => (e as { action?: string }).action === 'opened'),
);

describe('captured requests replayed against the running relay', () => {
  let relay: Relay;
  const delivered = (source: string, id?: string) =>
    relay.backend.store.list({ path: backendPath(source), id });

  beforeAll(async () => {
    relay = await startRelay({ yaml: YAML });
  });
  afterAll(() => relay?.close());

  /** Sends the genuine request, then the replay; expects one job, one delivery and a duplicate answer. */
  async function expectReplayIsDuplicate(
    source: string,
    genuine: () => ReturnType<typeof post>,
    replay: () => ReturnType<typeof post>,
  ) {
    const before = await jobsOf(relay, source);
    const first = await genuine();
    expect(first.status).toBe(202);
    const id = first.body!.id as string;
    expect(await replay()).toMatchObject({
      status: 200,
      body: { received: true, id, duplicate: true },
    });
    await waitFor(() => delivered(source, id).at(0), { what: `${id} delivered` });
    expect(await jobsOf(relay, source)).toBe(before + 1);
    expect(delivered(source, id)).toHaveLength(1);
    return id;
  }

  describe('timestamp confusion', () => {
    it('a 3-day-old Stripe event re-sent with t=<now>,t=<old>,v1=<old signature> is refused signature_invalid and never delivered', async () => {
      const payload = fixture('stripe/payment_intent.succeeded.json').toString('utf8');
      const captured = stripeHeader(payload, nowS() - THREE_DAYS_S);
      for (const header of [`t=${nowS()},${captured}`, `${captured},t=${nowS()}`]) {
        await expectRejected(
          relay,
          'stripe',
          () => post(relay, '/webhooks/stripe', payload, { 'stripe-signature': header }),
          400,
          'signature_invalid',
        );
      }
      expect(delivered('stripe')).toHaveLength(0);
    });

    it('a stale Wave request re-sent with a fresh t= beside the signed one is refused', async () => {
      const body = fixture('wave/checkout.session.completed.json');
      const old = nowS() - THREE_DAYS_S;
      const captured = `t=${old},v1=${hex(WAVE_SECRET, String(old), body)}`;
      await expectRejected(
        relay,
        'wave',
        () => post(relay, '/webhooks/wave', body, { 'wave-signature': `t=${nowS()},${captured}` }),
        400,
        'signature_invalid',
      );
      expect(delivered('wave')).toHaveLength(0);
    });

    it('a stale Svix request re-sent with a second, fresh timestamp is refused', async () => {
      const body = fixture('svix/user.created.json').toString('utf8');
      const old = new Date((nowS() - THREE_DAYS_S) * 1000);
      const signature = new SvixWebhook(SVIX_SECRET).sign('msg_replayed', old, body);
      await expectRejected(
        relay,
        'svix',
        () =>
          post(relay, '/webhooks/svix', body, {
            'svix-id': 'msg_replayed',
            'svix-timestamp': `${nowS()}, ${Math.floor(old.getTime() / 1000)}`,
            'svix-signature': signature,
          }),
        400,
        'signature_invalid',
      );
    });

    it('a Svix request replayed with an added webhook-id is refused, not taken as a new event', async () => {
      const body = fixture('svix/user.created.json').toString('utf8');
      const signed = {
        'svix-id': 'msg_captured',
        'svix-timestamp': String(nowS()),
        'svix-signature': new SvixWebhook(SVIX_SECRET).sign('msg_captured', new Date(), body),
      };
      expect((await post(relay, '/webhooks/svix', body, signed)).status).toBe(202);
      await expectRejected(
        relay,
        'svix',
        () => post(relay, '/webhooks/svix', body, { ...signed, 'webhook-id': 'msg_fresh' }),
        401,
        'signature_missing',
      );
    });
  });

  it('a Stripe body whose signed U+FFFD bytes were replaced by a 0xFF byte is refused: the HMAC runs on the raw bytes', async () => {
    const payload = fixture('stripe/invoice.paid.json')
      .toString('utf8')
      .replace('"evt_', '"evt_\uFFFD');
    const header = stripeHeader(payload, nowS());
    const signedBytes = Buffer.from(payload);
    const at = signedBytes.indexOf(Buffer.from([0xef, 0xbf, 0xbd]));
    const forged = Buffer.concat([
      signedBytes.subarray(0, at),
      Buffer.from([0xff]),
      signedBytes.subarray(at + 3),
    ]);
    await expectRejected(
      relay,
      'stripe',
      () => post(relay, '/webhooks/stripe', forged, { 'stripe-signature': header }),
      400,
      'signature_invalid',
    );
    expect(
      (await post(relay, '/webhooks/stripe', signedBytes, { 'stripe-signature': header })).status,
    ).toBe(202);
  });

  describe('de-duplication', () => {
    const payment = fixture('generic/payment.succeeded.json')
      .toString('utf8')
      .replace('TX-2026-000789', 'TX-REPLAY-1');
    const paymentSignature = { 'x-signature': hex(PAYMENT_SECRET, payment) };

    it('a signed payment webhook replayed with Content-Type form is a duplicate of the first and delivered once', async () => {
      await expectReplayIsDuplicate(
        'payment',
        () => post(relay, '/webhooks/payment', payment, paymentSignature),
        () =>
          post(relay, '/webhooks/payment', payment, {
            ...paymentSignature,
            'content-type': 'application/x-www-form-urlencoded',
          }),
      );
    });

    it('a signed payment body without transaction_id is refused event_id_missing and nothing is enqueued', async () => {
      const body = JSON.stringify({ event: 'payment.succeeded', amount: 15000 });
      await expectRejected(
        relay,
        'payment',
        () => post(relay, '/webhooks/payment', body, { 'x-signature': hex(PAYMENT_SECRET, body) }),
        400,
        'event_id_missing',
      );
    });

    it('a signed payment body whose transaction_id is blank is refused event_id_missing, so it can never de-duplicate another away', async () => {
      for (const id of ['', '   ']) {
        const body = JSON.stringify({ transaction_id: id, event: 'payment.succeeded' });
        await expectRejected(
          relay,
          'payment',
          () =>
            post(relay, '/webhooks/payment', body, { 'x-signature': hex(PAYMENT_SECRET, body) }),
          400,
          'event_id_missing',
        );
      }
    });

    it('a captured GitHub delivery replayed with a fresh X-GitHub-Delivery and another X-GitHub-Event is a duplicate', async () => {
      const body = GITHUB_ISSUE.replace('"id":444500041,', '"id":9444500041,');
      const signature = { 'x-hub-signature-256': await octokitSign(GITHUB_SECRET, body) };
      await expectReplayIsDuplicate(
        'github',
        () =>
          post(relay, '/webhooks/github', body, {
            ...signature,
            'x-github-event': 'issues',
            'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          }),
        () =>
          post(relay, '/webhooks/github', body, {
            ...signature,
            'x-github-event': 'push',
            'x-github-delivery': '00000000-0000-4000-8000-000000000001',
          }),
      );
    });

    it('a captured Shopify webhook replayed with a fresh X-Shopify-Webhook-Id is a duplicate', async () => {
      const body = fixture('shopify/orders-create.json');
      const signature = {
        'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64'),
        'x-shopify-topic': 'orders/create',
      };
      await expectReplayIsDuplicate(
        'shopify',
        () =>
          post(relay, '/webhooks/shopify', body, { ...signature, 'x-shopify-webhook-id': 'wh-1' }),
        () =>
          post(relay, '/webhooks/shopify', body, { ...signature, 'x-shopify-webhook-id': 'wh-2' }),
      );
    });

    it('a captured Twilio request replayed with a fresh idempotency token and its parameters reordered is a duplicate', async () => {
      const body = fixture('twilio/incoming-sms.form').toString('utf8');
      const params = [...new URLSearchParams(body)];
      const signature = twilio.getExpectedTwilioSignature(
        TWILIO_TOKEN,
        TWILIO_URL,
        Object.fromEntries(params),
      );
      const form = {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
      };
      const reordered = new URLSearchParams(params.reverse()).toString();
      expect(reordered).not.toBe(body);
      await expectReplayIsDuplicate(
        'twilio',
        () =>
          post(relay, '/webhooks/twilio', body, {
            ...form,
            'i-twilio-idempotency-token': 'idem-1',
          }),
        () =>
          post(relay, '/webhooks/twilio', reordered, {
            ...form,
            'i-twilio-idempotency-token': 'idem-2',
          }),
      );
    });

    it('with dedupe.content off, the id header decides again, for senders that repeat identical bodies', async () => {
      const body = GITHUB_ISSUE.replace('"id":444500041,', '"id":8444500041,');
      const signature = { 'x-hub-signature-256': await octokitSign(GITHUB_SECRET, body) };
      const send = (delivery: string) =>
        post(relay, '/webhooks/github-by-delivery', body, {
          ...signature,
          'x-github-event': 'issues',
          'x-github-delivery': delivery,
        });
      const first = await send('delivery-a');
      const second = await send('delivery-b');
      expect([first.status, second.status]).toEqual([202, 202]);
      expect(await send('delivery-a')).toMatchObject({ status: 200, body: { id: first.body!.id } });
    });
  });
});
