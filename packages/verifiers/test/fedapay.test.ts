import { Webhook, WebhookSignature } from 'fedapay';
import { describe, expect, it } from 'vitest';
import { signRequest, verifyConfigSchema } from '../src/index.js';
import { describeProviderContract } from './contract.js';

const BODY = JSON.stringify({
  id: 4021,
  name: 'transaction.approved',
  entity: { id: 106983, klass: 'v1/transaction', status: 'approved' },
});

describeProviderContract({
  type: 'fedapay',
  signedBy: "the fedapay SDK's Webhook.generateTestHeaderString",
  providerSign: (secret, payload, timestamp) => ({
    'x-fedapay-signature': Webhook.generateTestHeaderString({ payload, secret, timestamp }),
  }),
  example: { body: BODY, id: '4021', type: 'transaction.approved' },
});

describe('fedapay signer', () => {
  it('produces a header the fedapay SDK verifies', () => {
    const headers = signRequest(
      verifyConfigSchema.parse({ type: 'fedapay', secret: 'wh_sandbox_new' }),
      Buffer.from(BODY),
      {
        nowMs: Date.now(),
        url: 'https://relay.example.com/',
      },
    );
    expect(
      WebhookSignature.verifyHeader(BODY, headers['x-fedapay-signature'], 'wh_sandbox_new', 300),
    ).toBe(true);
  });
});
