import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeProviderContract } from './contract.js';
import { incoming, verdictOf } from './helpers.js';

// No signing library exists for this provider: it signs here as its documentation shows, with node:crypto only.
const mac = (algorithm: string, secret: string, data: string, encoding: 'hex' | 'base64') =>
  createHmac(algorithm, secret).update(data).digest(encoding);

describeProviderContract({
  type: 'wave',
  signedBy: "Wave's documented algorithm (hex HMAC-SHA256 of timestamp + body, no separator)",
  providerSign: (secret, body, timestampS) => ({
    'wave-signature': `t=${timestampS},v1=${mac('sha256', secret, `${timestampS}${body}`, 'hex')}`,
  }),
  example: {
    body: JSON.stringify({
      id: 'AE_ijzo7oGgrlM5',
      type: 'checkout.session.completed',
      data: { id: 'cos-18qq25rgr100a', amount: '1000', currency: 'XOF' },
    }),
    id: 'AE_ijzo7oGgrlM5',
    type: 'checkout.session.completed',
  },
});

describe('wave verifier with several signatures', () => {
  it('accepts a Wave-Signature whose second v1 matches', async () => {
    const body = '{"id":"AE_1","type":"merchant.payment_received"}';
    const t = Math.floor(Date.now() / 1000);
    const good = mac('sha256', 'current', `${t}${body}`, 'hex');
    const request = incoming(body, { 'wave-signature': `t=${t},v1=${'0'.repeat(64)},v1=${good}` });
    expect(await verdictOf({ type: 'wave', secret: 'current' }, request, t * 1000)).toMatchObject({
      ok: true,
    });
  });

  it('rejects a signature computed the Stripe way, with a dot', async () => {
    const body = '{"id":"AE_1"}';
    const t = Math.floor(Date.now() / 1000);
    const request = incoming(body, {
      'wave-signature': `t=${t},v1=${mac('sha256', 'current', `${t}.${body}`, 'hex')}`,
    });
    expect(await verdictOf({ type: 'wave', secret: 'current' }, request, t * 1000)).toMatchObject({
      code: 'signature_invalid',
    });
  });
});
