import { hex, jsonSample, secretTestConfig, unixSeconds } from '../sample.js';
import { timestampedHmacProvider } from '../timestamped-hmac.js';

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
    build: (type, now) =>
      jsonSample({
        id: `evt_test_${hex(12)}`,
        object: 'event',
        api_version: '2025-09-30.clover',
        created: unixSeconds(now),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
        data: {
          object: {
            id: `pi_test_${hex(12)}`,
            object: 'payment_intent',
            amount: 15000,
            amount_received: 15000,
            currency: 'xof',
            status: 'succeeded',
            description: 'Commande 1042 — Dakar',
            metadata: { order_id: '1042' },
          },
        },
      }),
  },
  testConfig: secretTestConfig(
    'stripe',
    ['whsec_stripe_previous_rotated_out', 'whsec_stripe_current_2026'],
    'whsec_not_the_stripe_secret',
  ),
});
