import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeProviderContract } from './contract.js';
import { incoming, verdictOf } from './helpers.js';

// No signing library exists for this provider: it signs here as its documentation shows, with node:crypto only.
const mac = (algorithm: string, secret: string, data: string, encoding: 'hex' | 'base64') =>
  createHmac(algorithm, secret).update(data).digest(encoding);

describeProviderContract({
  type: 'flutterwave',
  signedBy: "Flutterwave's documented v4 algorithm (base64 HMAC-SHA256 of the body)",
  providerSign: (secret, body) => ({
    'flutterwave-signature': mac('sha256', secret, body, 'base64'),
  }),
  example: {
    body: JSON.stringify({
      webhook_id: 'wbk_K0kMrTMmlSC3gZCEfSmL',
      timestamp: 1768478400,
      type: 'charge.completed',
      data: { id: 'chg_x' },
    }),
    id: 'wbk_K0kMrTMmlSC3gZCEfSmL',
    type: 'charge.completed',
  },
});

describe('flutterwave verifier for v3 webhooks', () => {
  const config = { type: 'flutterwave', secret: ['old-secret-hash', 'new-secret-hash'] };
  const body = JSON.stringify({
    event: 'charge.completed',
    data: { id: 285959875, tx_ref: 'tx-1' },
  });

  it('accepts a v3 verif-hash equal to any configured secret hash', async () => {
    expect(
      await verdictOf(config, incoming(body, { 'verif-hash': 'old-secret-hash' })),
    ).toMatchObject({ ok: true });
    expect(
      await verdictOf(config, incoming(body, { 'verif-hash': 'new-secret-hash' })),
    ).toMatchObject({ ok: true });
  });

  it('rejects a v3 verif-hash that is not the secret hash', async () => {
    expect(await verdictOf(config, incoming(body, { 'verif-hash': 'guess' }))).toMatchObject({
      code: 'signature_invalid',
    });
  });

  it('does not let a correct verif-hash rescue a wrong v4 signature', async () => {
    const request = incoming(body, {
      'verif-hash': 'new-secret-hash',
      'flutterwave-signature': 'Zm9yZ2Vk',
    });
    expect(await verdictOf(config, request)).toMatchObject({ code: 'signature_invalid' });
  });
});
