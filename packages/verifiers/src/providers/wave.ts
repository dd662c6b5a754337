import { timestampedHmacProvider } from '../timestamped-hmac.js';

/**
 * Wave: `Wave-Signature: t=<unix s>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of `t + body` — the timestamp
 * and the body run together, with no separator (unlike Stripe's `t.body`); any v1 may match.
 */
export const wave = timestampedHmacProvider({
  type: 'wave',
  header: 'wave-signature',
  headerLabel: 'Wave-Signature',
  signatureKey: 'v1',
  separator: '',
  event: { id: 'body.id', type: 'body.type' },
});
