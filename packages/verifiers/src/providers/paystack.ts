import { bodyHmacProvider } from '../body-hmac.js';
import { freshNumber, hex, jsonSample, secretTestConfig } from '../sample.js';

/**
 * Paystack: `x-paystack-signature` is the hex HMAC-SHA512 of the body, keyed with the secret API key.
 * Paystack payloads carry no event id (`data.id` is the resource's, shared by e.g. `invoice.create` and
 * `invoice.update`), so no default id: de-duplicating on it would drop genuine events.
 */
export const paystack = bodyHmacProvider({
  type: 'paystack',
  header: 'x-paystack-signature',
  headerLabel: 'x-paystack-signature',
  algorithm: 'sha512',
  encoding: 'hex',
  event: { type: 'body.event' },
  sample: {
    eventType: 'charge.success',
    build: (event, now) =>
      jsonSample({
        event,
        data: {
          id: freshNumber(9),
          reference: `ref_${hex(6)}`,
          amount: 1_500_000,
          currency: 'XOF',
          status: 'success',
          paid_at: now.toISOString(),
          channel: 'mobile_money',
        },
      }),
  },
  testConfig: secretTestConfig(
    'paystack',
    ['sk_test_previous_1a2b', 'sk_test_current_3c4d'],
    'sk_test_wrong',
  ),
});
