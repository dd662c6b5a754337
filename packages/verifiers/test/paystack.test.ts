import { createHmac } from 'node:crypto';
import { describeProviderContract } from './contract.js';

// No signing library exists for this provider: it signs here as its documentation shows, with node:crypto only.
const mac = (algorithm: string, secret: string, data: string, encoding: 'hex' | 'base64') =>
  createHmac(algorithm, secret).update(data).digest(encoding);

describeProviderContract({
  type: 'paystack',
  signedBy: "Paystack's documented algorithm (hex HMAC-SHA512 of the body)",
  providerSign: (secret, body) => ({ 'x-paystack-signature': mac('sha512', secret, body, 'hex') }),
  // No event id: Paystack bodies have none (data.id belongs to the resource).
  example: {
    body: JSON.stringify({
      event: 'charge.success',
      data: { id: 302961, reference: 'qTPrJoy9Bx', amount: 10000 },
    }),
    type: 'charge.success',
  },
});
