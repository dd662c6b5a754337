import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeProviderContract } from './contract.js';
import { incoming, verdictOf } from './helpers.js';

describeProviderContract({
  type: 'hmac',
  config: (secret) => ({
    type: 'hmac',
    header: 'X-Signature',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'sha256=',
    secret,
  }),
  secrets: ['old-shared-secret', 'new-shared-secret'],
  wrongSecret: 'wrong-shared-secret',
  body: JSON.stringify({ event: 'payment.succeeded', transaction_id: 'txn_1' }),
  signedBy: 'node:crypto, as a gateway would',
  providerSign: (secret, body) => ({
    'x-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  }),
  signatureHeaders: ['x-signature'],
  timestamped: false,
});

describe('token verifier', () => {
  const config = { type: 'token', header: 'Authorization', value: ['Bearer old', 'Bearer new'] };

  it('accepts either configured value and rejects others', async () => {
    expect(await verdictOf(config, incoming('{}', { authorization: 'Bearer old' }))).toMatchObject({
      ok: true,
    });
    expect(await verdictOf(config, incoming('{}', { authorization: 'Bearer new' }))).toMatchObject({
      ok: true,
    });
    expect(
      await verdictOf(config, incoming('{}', { authorization: 'Bearer guess' })),
    ).toMatchObject({ code: 'signature_invalid' });
    expect(await verdictOf(config, incoming('{}'))).toMatchObject({ code: 'signature_missing' });
  });
});

describe('basic verifier', () => {
  const config = { type: 'basic', username: 'ipn', password: 's3cret' };
  const basic = (credentials: string) => ({
    authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
  });

  it('accepts the configured credentials and rejects others', async () => {
    expect(await verdictOf(config, incoming('{}', basic('ipn:s3cret')))).toMatchObject({
      ok: true,
    });
    expect(await verdictOf(config, incoming('{}', basic('ipn:guess')))).toMatchObject({
      code: 'signature_invalid',
    });
    expect(await verdictOf(config, incoming('{}'))).toMatchObject({ code: 'signature_missing' });
  });
});
