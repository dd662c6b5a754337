import { freshNumber, hex, jsonSample, secretTestConfig } from '../sample.js';
import { timestampedHmacProvider } from '../timestamped-hmac.js';

/** FedaPay: `X-FEDAPAY-SIGNATURE: t=<unix s>,s=<hex>`, HMAC-SHA256 of `t + "." + body` (the scheme of the `fedapay` SDK). */
export const fedapay = timestampedHmacProvider({
  type: 'fedapay',
  header: 'x-fedapay-signature',
  headerLabel: 'X-FEDAPAY-SIGNATURE',
  signatureKey: 's',
  separator: '.',
  // FedaPay posts its Event object: `{id, name: "transaction.approved", entity: {...}}`.
  event: { id: 'body.id', type: 'body.name' },
  sample: {
    eventType: 'transaction.approved',
    build: (name, now) =>
      jsonSample({
        id: freshNumber(9),
        name,
        entity: {
          klass: 'v1/transaction',
          id: freshNumber(8),
          reference: `trx_${hex(6)}`,
          amount: 15000,
          currency: { iso: 'XOF' },
          status: 'approved',
          mode: 'mtn_open',
          approved_at: now.toISOString(),
        },
      }),
  },
  testConfig: secretTestConfig(
    'fedapay',
    ['wh_sandbox_previous', 'wh_sandbox_current'],
    'wh_sandbox_wrong',
  ),
});
