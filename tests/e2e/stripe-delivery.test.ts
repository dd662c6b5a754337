import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { post, startRelay, STRIPE_SECRET, type Relay } from './harness.js';
import { stripeFixture, stripeSignature } from './stripe-events.js';

describe('a Stripe webhook through the relay', () => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
sources:
  stripe:
    path: /api/webhooks/stripe
    verify: { type: stripe, secret: \${STRIPE_WEBHOOK_SECRET} }
    destination: { url: \${BACKEND_URL}/webhooks/stripe }
  stripe-envelope:
    verify: { type: stripe, secret: [whsec_old_rotated_out, \${STRIPE_WEBHOOK_SECRET}] }
    destination: { url: \${BACKEND_URL}/webhooks/envelope, format: envelope }
`,
    });
  });
  afterAll(() => relay.close());

  it('is acknowledged with 202 and arrives byte for byte with its Stripe-Signature', async () => {
    const body = stripeFixture('payment_intent.succeeded');
    const signature = stripeSignature(body);
    const answer = await post(relay, '/api/webhooks/stripe', body, {
      'stripe-signature': signature,
      'x-request-id': 'req-stripe-1',
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ received: true, id: expect.stringMatching(/^evt_/) });

    const delivery = await waitFor(() =>
      relay.backend.store.list({ id: answer.body!.id as string }).at(0),
    );
    expect(Buffer.from(delivery.body)).toEqual(body);
    expect(delivery.path).toBe('/webhooks/stripe');
    expect(delivery.headers['stripe-signature']).toBe(signature);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['x-hookrelay-source']).toBe('stripe');
    expect(delivery.headers['x-hookrelay-attempt']).toBe('1');
    expect(delivery.headers['x-request-id']).toBe('req-stripe-1');
    expect(Date.parse(delivery.headers['x-hookrelay-received-at'] as string)).not.toBeNaN();
    // The backend can re-verify Stripe's signature on the untouched body.
    expect(() =>
      Stripe.webhooks.constructEvent(
        delivery.body,
        delivery.headers['stripe-signature'] as string,
        STRIPE_SECRET,
      ),
    ).not.toThrow();
  });

  it('is answered on /webhooks/<source name> too', async () => {
    const body = stripeFixture('charge.refunded');
    const answer = await post(relay, '/webhooks/stripe', body, {
      'stripe-signature': stripeSignature(body),
    });
    expect(answer.status).toBe(202);
  });

  it('arrives as an envelope whose data is the Stripe object when the destination asks for it', async () => {
    const body = stripeFixture('checkout.session.completed');
    const answer = await post(relay, '/webhooks/stripe-envelope', body, {
      'stripe-signature': stripeSignature(body),
    });
    expect(answer.status).toBe(202);
    const delivery = await waitFor(() =>
      relay.backend.store.list({ path: '/webhooks/envelope' }).at(0),
    );
    const envelope = JSON.parse(delivery.body) as Record<string, unknown>;
    const event = JSON.parse(body.toString('utf8')) as {
      id: string;
      type: string;
      data: { object: unknown };
    };
    expect(envelope).toEqual({
      id: answer.body!.id,
      source: 'stripe-envelope',
      event_type: 'checkout.session.completed',
      event_id: event.id,
      received_at: expect.any(String),
      data: event.data.object,
    });
    expect(delivery.headers['stripe-signature']).toBeUndefined();
    expect(delivery.headers['content-type']).toBe('application/json');
  });

  it('delivers the same Stripe event once and answers the repeat 200 duplicate with the first id', async () => {
    const body = stripeFixture('charge.refunded');
    const first = await post(relay, '/webhooks/stripe-envelope', body, {
      'stripe-signature': stripeSignature(body),
    });
    const second = await post(relay, '/webhooks/stripe-envelope', body, {
      'stripe-signature': stripeSignature(body),
    });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ received: true, id: first.body!.id, duplicate: true });
    await waitFor(() => relay.backend.store.list({ id: first.body!.id as string }).length === 1);
    const queue = relay.queue('stripe-envelope');
    await waitFor(async () => ((await queue.getJobCounts('completed')).completed ?? 0) >= 1);
    const deliveredIds = relay.backend.store
      .list({ path: '/webhooks/envelope' })
      .map((d) => d.headers['x-hookrelay-id']);
    expect(deliveredIds.filter((id) => id === first.body!.id)).toHaveLength(1);
  });
});
