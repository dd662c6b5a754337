import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeProviderContract } from './contract.js';
import { incoming, verdictOf } from './helpers.js';

// The catalogue's test config: sha512, base64, prefixed.
describeProviderContract({
  type: 'hmac',
  signedBy: 'node:crypto (sha512, base64, "sha512=" prefix), as a gateway would',
  providerSign: (secret, body) => ({
    'x-signature': `sha512=${createHmac('sha512', secret).update(body).digest('base64')}`,
  }),
});

describeProviderContract({
  type: 'hmac',
  config: (secrets) => ({
    type: 'hmac',
    header: 'X-Signature',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'sha256=',
    secret: [...secrets],
  }),
  example: { body: JSON.stringify({ event: 'payment.succeeded', transaction_id: 'txn_1' }) },
  signedBy:
    'node:crypto (sha256, hex, "sha256=" prefix, header named in capitals), as a gateway would',
  providerSign: (secret, body) => ({
    'x-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  }),
});

describe('hmac verifier', () => {
  const config = { type: 'hmac', header: 'x-signature', encoding: 'hex', secret: 'shared' };
  const hex = createHmac('sha256', 'shared').update('{}').digest('hex');

  it('compares hex in any case, and answers an empty header signature_missing', async () => {
    expect(
      await verdictOf(config, incoming('{}', { 'x-signature': hex.toUpperCase() })),
    ).toMatchObject({ ok: true, fingerprint: hex });
    expect(await verdictOf(config, incoming('{}', { 'x-signature': '' }))).toMatchObject({
      code: 'signature_missing',
    });
  });

  it('compares base64 exactly', async () => {
    const base64 = createHmac('sha256', 'shared').update('{}').digest('base64');
    const config64 = { ...config, encoding: 'base64' };
    expect(await verdictOf(config64, incoming('{}', { 'x-signature': base64 }))).toMatchObject({
      ok: true,
    });
    expect(
      await verdictOf(config64, incoming('{}', { 'x-signature': base64.toLowerCase() })),
    ).toMatchObject({ code: 'signature_invalid' });
  });
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
