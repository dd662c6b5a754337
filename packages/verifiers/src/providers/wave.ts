import { hex, jsonSample, secretTestConfig } from '../sample.js';
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
  sample: {
    eventType: 'checkout.session.completed',
    build: (type, now) =>
      jsonSample({
        id: `EV_${hex(10)}`,
        type,
        data: {
          id: `cos-${hex(10)}`,
          amount: '15000',
          currency: 'XOF',
          checkout_status: 'complete',
          client_reference: 'order-1042',
          payment_status: 'succeeded',
          when_completed: now.toISOString(),
        },
      }),
  },
  testConfig: secretTestConfig(
    'wave',
    ['wave_sn_WHS_previous', 'wave_sn_WHS_current'],
    'wave_sn_WHS_wrong',
  ),
});
