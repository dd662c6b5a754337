import { describe, expect, it } from 'vitest';
import {
  compileLocation,
  createVerifier,
  parseBody,
  PROVIDERS,
  providerFor,
  signRequest,
  verifyConfigSchema,
} from '@hookrelay/verifiers';
import { sampleRequest } from '../src/samples.js';

const URL_CALLED = 'http://127.0.0.1:3000/webhooks/sample';

/** A verify config for each type that signs, with throwaway secrets. */
const CONFIGS: Record<string, Record<string, unknown>> = {
  none: {},
  token: { header: 'x-token', value: 't0ken' },
  basic: { username: 'gw', password: 'pw' },
  hmac: { header: 'x-signature', secret: 'hmac-secret' },
  stripe: { secret: 'whsec_sample' },
  'standard-webhooks': { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  github: { secret: 'gh' },
  shopify: { secret: 'shp' },
  paystack: { secret: 'sk_test' },
  flutterwave: { secret: 'flw' },
  wave: { secret: 'wave' },
  fedapay: { secret: 'fedapay' },
  cinetpay: { secret: 'cinetpay' },
  twilio: { secret: 'twilio' },
};

describe('built-in sample webhooks', () => {
  const signable = PROVIDERS.filter((provider) => provider.sign);

  it('exist for every provider type that can be signed', () => {
    expect(signable.map((provider) => provider.type).sort()).toEqual(Object.keys(CONFIGS).sort());
  });

  for (const provider of signable) {
    it(`a ${provider.type} sample signed by its provider passes that provider's verifier and carries an event type`, async () => {
      const config = verifyConfigSchema.parse({ type: provider.type, ...CONFIGS[provider.type] });
      const sample = sampleRequest(provider.type);
      const headers = {
        'content-type': sample.contentType,
        ...sample.headers,
        ...signRequest(config, sample.body, { url: URL_CALLED }),
      };
      const verdict = await createVerifier(config).verify(
        { body: sample.body, headers, url: URL_CALLED },
        Date.now(),
      );
      expect(verdict).toMatchObject({ ok: true });
      const context = {
        headers,
        body: () => parseBody(sample.body, provider.bodyFormat ?? 'json'),
      };
      const typeAt = providerFor(provider.type).event?.type;
      if (typeAt) expect(compileLocation(typeAt)(context)).toEqual(expect.any(String));
    });
  }

  it('are new events each time (fresh ids), so repeated sends are not de-duplicated', () => {
    for (const type of ['stripe', 'wave', 'fedapay', 'cinetpay', 'hmac']) {
      expect(sampleRequest(type).body.equals(sampleRequest(type).body), type).toBe(false);
    }
  });

  it('use the event type asked for', () => {
    expect(JSON.parse(sampleRequest('stripe', 'charge.refunded').body.toString())).toMatchObject({
      type: 'charge.refunded',
    });
    expect(sampleRequest('github', 'pull_request').headers['x-github-event']).toBe('pull_request');
    expect(JSON.parse(sampleRequest('paystack', 'transfer.success').body.toString())).toMatchObject(
      { event: 'transfer.success' },
    );
  });

  it('are payments in XOF where the provider serves West Africa', () => {
    expect(JSON.parse(sampleRequest('stripe').body.toString())).toMatchObject({
      type: 'payment_intent.succeeded',
      data: { object: { currency: 'xof' } },
    });
    expect(JSON.parse(sampleRequest('wave').body.toString())).toMatchObject({
      type: 'checkout.session.completed',
      data: { currency: 'XOF' },
    });
    expect(new URLSearchParams(sampleRequest('cinetpay').body.toString()).get('cpm_currency')).toBe(
      'XOF',
    );
  });
});
