import { createHmac } from 'node:crypto';
import { describeProviderContract } from './contract.js';

// No signing library exists for this provider: it signs here as its documentation shows, with node:crypto only.
const mac = (algorithm: string, secret: string, data: string, encoding: 'hex' | 'base64') =>
  createHmac(algorithm, secret).update(data).digest(encoding);

describeProviderContract({
  type: 'shopify',
  signedBy: "Shopify's documented algorithm (base64 HMAC-SHA256 of the body)",
  providerSign: (secret, body) => ({
    'x-shopify-hmac-sha256': mac('sha256', secret, body, 'base64'),
  }),
  example: {
    body: JSON.stringify({
      id: 820982911946154500,
      email: 'jon@example.com',
      total_price: '254.98',
    }),
    headers: {
      'x-shopify-topic': 'orders/create',
      'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    },
    id: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    type: 'orders/create',
  },
});
