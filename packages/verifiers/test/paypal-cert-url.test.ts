import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createPaypalVerifier,
  createVerifier,
  paypalCertUrl,
  signPaypalTransmission,
  verifyConfigSchema,
  type PaypalConfig,
} from '../src/index.js';
import { incoming, NOW_MS } from './helpers.js';

// No certificate is ever served here: every URL below must be refused before one would be fetched.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const raw = { type: 'paypal', webhookId: '9XL90610J3647323C' };
const config = verifyConfigSchema.parse(raw) as unknown as PaypalConfig;

function transmissionFrom(certUrl: string) {
  const body = Buffer.from('{"id":"WH-1","event_type":"PAYMENT.SALE.COMPLETED"}');
  const headers = signPaypalTransmission({
    privateKey,
    certUrl,
    webhookId: raw.webhookId,
    body,
    nowMs: NOW_MS,
  });
  return incoming(body, headers);
}

const FOREIGN = [
  ['another host', 'https://evil.example.com/v1/notifications/certs/CERT-1'],
  ['plain http', 'http://api.paypal.com/v1/notifications/certs/CERT-1'],
  ['a look-alike host', 'https://api.paypal.com.evil.example.com/v1/notifications/certs/CERT-1'],
  [
    'credentials before another host',
    'https://api.paypal.com@169.254.169.254/v1/notifications/certs/CERT-1',
  ],
  ['a non-default port', 'https://api.paypal.com:8443/v1/notifications/certs/CERT-1'],
  ['another path on a PayPal host', 'https://api.paypal.com/v1/oauth2/token'],
  [
    'a path climbing out of the certificates folder',
    'https://api.paypal.com/v1/notifications/certs/../../oauth2/token',
  ],
  [
    'a paypal.com host that does not serve certificates',
    'https://www.paypal.com/v1/notifications/certs/CERT-1',
  ],
  [
    'a query string',
    'https://api.paypal.com/v1/notifications/certs/CERT-1?redirect=https://evil.example.com',
  ],
  ['not a URL', 'CERT-1'],
];

describe('PayPal certificate URLs', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-5edc0ebc',
    'https://api-m.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-5edc0ebc',
    'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77',
    'https://API-M.SANDBOX.PAYPAL.COM:443/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77',
  ])('allows %s', (url) => {
    expect(paypalCertUrl(url)).toBeDefined();
  });

  it.each(FOREIGN)(
    'rejects a certificate URL on %s without making any request',
    async (_case, certUrl) => {
      const fetchCertificate = vi.fn(async () => '');
      const verifier = createPaypalVerifier(config, { fetchCertificate, trustedRoots: [] });
      const verdict = await verifier.verify(transmissionFrom(certUrl!), NOW_MS);
      expect(verdict).toMatchObject({ ok: false, code: 'signature_invalid' });
      expect(fetchCertificate).not.toHaveBeenCalled();
    },
  );

  it('makes no network request for a foreign certificate URL with the default fetcher either', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const verifier = createVerifier(verifyConfigSchema.parse(raw));
    const verdict = await verifier.verify(
      transmissionFrom('https://attacker.example/cert.pem'),
      NOW_MS,
    );
    expect(verdict).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
