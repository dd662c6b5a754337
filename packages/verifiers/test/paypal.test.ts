import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createPaypalVerifier,
  createVerifier,
  signPaypalTransmission,
  verifyConfigSchema,
  type PaypalConfig,
  type PaypalVerifierOptions,
} from '../src/index.js';
import { paypalSignedString } from '../src/providers/paypal.js';
import { incoming, NOW_MS } from './helpers.js';
import { createTestPki, type IssuedCertificate, type TestPki } from './paypal-ca.js';

const CERT_URL = 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77';
const WEBHOOK_ID = '9XL90610J3647323C';
const BODY = JSON.stringify({
  id: 'WH-9UG43882HX7271132-6E0871324L7949614',
  event_version: '1.0',
  resource_type: 'sale',
  event_type: 'PAYMENT.SALE.COMPLETED',
  resource: { id: '80F85758S3080410K', state: 'completed', amount: { total: '21.00', currency: 'USD' } },
});
const config = verifyConfigSchema.parse({ type: 'paypal', webhookId: WEBHOOK_ID }) as unknown as PaypalConfig;

let pki: TestPki;
let genuine: IssuedCertificate;

beforeAll(async () => {
  pki = await createTestPki(NOW_MS);
  genuine = await pki.issueLeaf();
});

/** A verifier trusting only the test root, whose fetcher serves `pem` and records every URL asked for. */
function verifierServing(pem: string | (() => Promise<string>), options: PaypalVerifierOptions = {}) {
  const fetchCertificate = vi.fn(async (_url: string) => (typeof pem === 'string' ? pem : pem()));
  const verifier = createPaypalVerifier(config, { fetchCertificate, trustedRoots: [pki.rootPem], ...options });
  return { verifier, fetchCertificate };
}

function transmission(certificate: IssuedCertificate, overrides: { body?: string; certUrl?: string; nowMs?: number; webhookId?: string } = {}) {
  const headers = signPaypalTransmission({
    privateKey: certificate.privateKey,
    certUrl: overrides.certUrl ?? CERT_URL,
    webhookId: overrides.webhookId ?? WEBHOOK_ID,
    body: Buffer.from(BODY),
    nowMs: overrides.nowMs ?? NOW_MS,
  });
  return incoming(overrides.body ?? BODY, headers);
}

describe('paypal verifier', () => {
  afterEach(() => vi.restoreAllMocks());

  it('accepts a transmission whose certificate chains to the trusted root', async () => {
    const { verifier, fetchCertificate } = verifierServing(genuine.pem);
    expect(await verifier.verify(transmission(genuine), NOW_MS)).toEqual({ ok: true });
    expect(fetchCertificate).toHaveBeenCalledWith(CERT_URL);
  });

  it('downloads a certificate once and serves later transmissions from the cache', async () => {
    const { verifier, fetchCertificate } = verifierServing(genuine.pem);
    await verifier.verify(transmission(genuine), NOW_MS);
    await Promise.all([verifier.verify(transmission(genuine), NOW_MS), verifier.verify(transmission(genuine), NOW_MS)]);
    expect(fetchCertificate).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['another host', 'https://evil.example.com/v1/notifications/certs/CERT-1'],
    ['plain http', 'http://api.paypal.com/v1/notifications/certs/CERT-1'],
    ['a look-alike host', 'https://api.paypal.com.evil.example.com/v1/notifications/certs/CERT-1'],
    ['credentials before another host', 'https://api.paypal.com@169.254.169.254/v1/notifications/certs/CERT-1'],
    ['a non-default port', 'https://api.paypal.com:8443/v1/notifications/certs/CERT-1'],
    ['another path on a PayPal host', 'https://api.paypal.com/v1/oauth2/token'],
    ['a path climbing out of the certificates folder', 'https://api.paypal.com/v1/notifications/certs/../../oauth2/token'],
    ['a paypal.com host that does not serve certificates', 'https://www.paypal.com/v1/notifications/certs/CERT-1'],
    ['not a URL', 'CERT-1'],
  ])('rejects a certificate URL on %s without making any request', async (_case, certUrl) => {
    const { verifier, fetchCertificate } = verifierServing(genuine.pem);
    const verdict = await verifier.verify(transmission(genuine, { certUrl }), NOW_MS);
    expect(verdict).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it('makes no network request for a foreign certificate URL with the default fetcher either', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const verifier = createVerifier(verifyConfigSchema.parse({ type: 'paypal', webhookId: WEBHOOK_ID }));
    const verdict = await verifier.verify(transmission(genuine, { certUrl: 'https://attacker.example/cert.pem' }), NOW_MS);
    expect(verdict).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('rejects an untrusted self-signed certificate in PayPal’s name', async () => {
    const forged = await pki.selfSigned();
    const { verifier } = verifierServing(forged.pem);
    expect(await verifier.verify(transmission(forged), NOW_MS)).toMatchObject({
      code: 'signature_invalid',
      message: expect.stringContaining('does not chain to a trusted root'),
    });
  });

  it('rejects a trusted chain whose leaf is not a PayPal message-verification certificate', async () => {
    const other = await pki.issueLeaf({ subject: 'CN=shop.example.com' });
    const { verifier } = verifierServing(other.pem);
    expect(await verifier.verify(transmission(other), NOW_MS)).toMatchObject({
      code: 'signature_invalid',
      message: expect.stringContaining('not a PayPal message-verification certificate'),
    });
  });

  it('rejects a chain passing through a certificate that is not a CA', async () => {
    const smuggled = await pki.issueLeaf({ issuerIsCa: false });
    const { verifier } = verifierServing(smuggled.pem);
    expect(await verifier.verify(transmission(smuggled), NOW_MS)).toMatchObject({
      code: 'signature_invalid',
      message: expect.stringContaining('does not chain to a trusted root'),
    });
  });

  it('rejects an expired certificate', async () => {
    const expired = await pki.issueLeaf({ notBefore: NOW_MS - 20 * 86_400_000, notAfter: NOW_MS - 86_400_000 });
    const { verifier } = verifierServing(expired.pem);
    expect(await verifier.verify(transmission(expired), NOW_MS)).toMatchObject({
      code: 'signature_invalid',
      message: expect.stringContaining('is not valid now'),
    });
  });

  it('rejects a tampered body, and a transmission meant for another webhook id', async () => {
    const { verifier } = verifierServing(genuine.pem);
    const tampered = transmission(genuine, { body: BODY.replace('21.00', '2100.00') });
    expect(await verifier.verify(tampered, NOW_MS)).toMatchObject({ code: 'signature_invalid', message: 'PAYPAL-TRANSMISSION-SIG does not match' });
    expect(await verifier.verify(transmission(genuine, { webhookId: 'OTHERWEBHOOK1' }), NOW_MS)).toMatchObject({ code: 'signature_invalid' });
  });

  it('answers signature_missing when a transmission header is absent', async () => {
    const { verifier } = verifierServing(genuine.pem);
    const request = transmission(genuine);
    const { 'paypal-transmission-sig': _sig, ...headers } = request.headers;
    expect(await verifier.verify({ ...request, headers }, NOW_MS)).toMatchObject({ ok: false, code: 'signature_missing' });
  });

  it('rejects stale and future transmission times before downloading anything', async () => {
    const { verifier, fetchCertificate } = verifierServing(genuine.pem);
    const stale = await verifier.verify(transmission(genuine, { nowMs: NOW_MS - 301_000 }), NOW_MS);
    const future = await verifier.verify(transmission(genuine, { nowMs: NOW_MS + 301_000 }), NOW_MS);
    expect(stale).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
    expect(future).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it('does not cache a failed download', async () => {
    let calls = 0;
    const { verifier } = verifierServing(async () => (++calls === 1 ? Promise.reject(new Error('timeout')) : genuine.pem));
    expect(await verifier.verify(transmission(genuine), NOW_MS)).toMatchObject({ code: 'signature_invalid' });
    expect(await verifier.verify(transmission(genuine), NOW_MS)).toEqual({ ok: true });
  });

  it('accepts either webhook id while one is being replaced', async () => {
    const rotating = verifyConfigSchema.parse({ type: 'paypal', webhookId: ['OLDWEBHOOK01', WEBHOOK_ID] }) as unknown as PaypalConfig;
    const verifier = createPaypalVerifier(rotating, { fetchCertificate: async () => genuine.pem, trustedRoots: [pki.rootPem] });
    expect(await verifier.verify(transmission(genuine), NOW_MS)).toEqual({ ok: true });
    expect(await verifier.verify(transmission(genuine, { webhookId: 'OLDWEBHOOK01' }), NOW_MS)).toEqual({ ok: true });
  });

  it('signs the CRC32 of the body as an unsigned decimal', () => {
    expect(paypalSignedString('id', '2026-01-15T12:00:00Z', 'WH', Buffer.from('hello'))).toBe('id|2026-01-15T12:00:00Z|WH|907060870');
  });
});
