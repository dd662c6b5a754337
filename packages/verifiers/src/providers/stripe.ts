import { hex, jsonSample, makerOf, secretTestConfig, unixSeconds } from '../sample.js';
import { timestampedHmacProvider } from '../timestamped-hmac.js';

// Samples: the `data.object` of a few common events, an order of 15000 XOF (a zero-decimal currency).
const id = (prefix: string) => `${prefix}_test_${hex(12)}`;
const metadata = { order_id: '1042' };
const paymentIntent = (status: string) => ({
  id: id('pi'),
  object: 'payment_intent',
  amount: 15000,
  amount_received: status === 'succeeded' ? 15000 : 0,
  currency: 'xof',
  status,
  description: 'Commande 1042 — Dakar',
  metadata,
});
const charge = (refunded: boolean) => ({
  id: id('ch'),
  object: 'charge',
  amount: 15000,
  amount_captured: 15000,
  amount_refunded: refunded ? 15000 : 0,
  currency: 'xof',
  paid: true,
  refunded,
  status: 'succeeded',
  payment_intent: id('pi'),
  metadata,
});

const OBJECTS: Record<string, (now: Date) => object> = {
  'payment_intent.succeeded': () => paymentIntent('succeeded'),
  'payment_intent.payment_failed': () => ({
    ...paymentIntent('requires_payment_method'),
    last_payment_error: {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    },
  }),
  'charge.succeeded': () => charge(false),
  'charge.refunded': () => charge(true),
  'checkout.session.completed': () => ({
    id: id('cs'),
    object: 'checkout.session',
    mode: 'payment',
    amount_total: 15000,
    currency: 'xof',
    client_reference_id: 'order-1042',
    customer_details: { email: 'awa.diop@example.com', name: 'Awa Diop' },
    payment_intent: id('pi'),
    payment_status: 'paid',
    status: 'complete',
    metadata,
  }),
  'invoice.paid': (now) => ({
    id: id('in'),
    object: 'invoice',
    customer: id('cus'),
    amount_due: 15000,
    amount_paid: 15000,
    amount_remaining: 0,
    currency: 'xof',
    status: 'paid',
    status_transitions: { paid_at: unixSeconds(now) },
  }),
};

/**
 * Stripe: `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=<hex>…][,v0=…]`, HMAC-SHA256 of `t + "." + body`;
 * any v1 and any secret may match (Stripe sends one v1 per secret while a secret is rolled).
 *
 * Computed here on the raw bytes rather than with Stripe's `verifyHeader`: that one decodes the body
 * as UTF-8 first (so an invalid byte verified where the signed body had U+FFFD) and takes the last of
 * several `t=` for the HMAC, while a tolerance check could read the first.
 */
export const stripe = timestampedHmacProvider({
  type: 'stripe',
  header: 'stripe-signature',
  headerLabel: 'Stripe-Signature',
  signatureKey: 'v1',
  separator: '.',
  event: { id: 'body.id', type: 'body.type', data: 'body.data.object' },
  sample: {
    eventType: 'payment_intent.succeeded',
    eventTypes: Object.keys(OBJECTS),
    build: (type = 'payment_intent.succeeded', now) => {
      const object = makerOf(OBJECTS, type, 'payment_intent.succeeded');
      return jsonSample({
        id: `evt_test_${hex(12)}`,
        object: 'event',
        api_version: '2025-09-30.clover',
        created: unixSeconds(now),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
        data: { object: object(now) },
      });
    },
  },
  testConfig: secretTestConfig(
    'stripe',
    ['whsec_stripe_previous_rotated_out', 'whsec_stripe_current_2026'],
    'whsec_not_the_stripe_secret',
  ),
});
