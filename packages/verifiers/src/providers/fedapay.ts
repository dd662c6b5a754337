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
});
