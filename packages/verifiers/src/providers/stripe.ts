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
});
