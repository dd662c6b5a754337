import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NOW_MS } from './helpers.js';
import { createTestPki, type IssuedCertificate, type TestPki } from './paypal-ca.js';
import { CERT_URL, transmission, verifierServing } from './paypal-fixture.js';

let pki: TestPki;
let genuine: IssuedCertificate;

beforeAll(async () => {
  pki = await createTestPki(NOW_MS);
  genuine = await pki.issueLeaf();
});

describe('paypal verifier certificates', () => {
  afterEach(() => vi.restoreAllMocks());

  it('accepts a transmission whose certificate chains to the trusted root', async () => {
    const { verifier, fetchCertificate } = verifierServing(pki, genuine.pem);
    expect(await verifier.verify(transmission(genuine), NOW_MS)).toMatchObject({ ok: true });
    expect(fetchCertificate).toHaveBeenCalledWith(CERT_URL);
  });

  it('downloads a certificate once and serves later transmissions from the cache', async () => {
    const { verifier, fetchCertificate } = verifierServing(pki, genuine.pem);
    await verifier.verify(transmission(genuine), NOW_MS);
    await Promise.all([
      verifier.verify(transmission(genuine), NOW_MS),
      verifier.verify(transmission(genuine), NOW_MS),
    ]);
    expect(fetchCertificate).toHaveBeenCalledTimes(1);
  });

  it('rejects an untrusted self-signed certificate in PayPal’s name', async () => {
    const forged = await pki.selfSigned();
    const { verifier } = verifierServing(pki, forged.pem);
    expect(await verifier.verify(transmission(forged), NOW_MS)).toMatchObject({
      code: 'signature_invalid',
      message: expect.stringContaining('does not chain to a trusted root'),
    });
  });

  it('rejects a trusted chain whose leaf is not a PayPal message-verification certificate', async () => {
    const other = await pki.issueLeaf({ subject: 'CN=shop.example.com' });
    const { verifier } = verifierServing(pki, other.pem);
    expect(await verifier.verify(transmission(other), NOW_MS)).toMatchObject({
      code: 'signature_invalid',
      message: expect.stringContaining('not a PayPal message-verification certificate'),
    });
  });

  it('rejects a chain passing through a certificate that is not a CA', async () => {
    const smuggled = await pki.issueLeaf({ issuerIsCa: false });
    const { verifier } = verifierServing(pki, smuggled.pem);
    expect(await verifier.verify(transmission(smuggled), NOW_MS)).toMatchObject({
      code: 'signature_invalid',
      message: expect.stringContaining('does not chain to a trusted root'),
    });
  });

  it('rejects an expired certificate', async () => {
    const expired = await pki.issueLeaf({
      notBefore: NOW_MS - 20 * 86_400_000,
      notAfter: NOW_MS - 86_400_000,
    });
    const { verifier } = verifierServing(pki, expired.pem);
    expect(await verifier.verify(transmission(expired), NOW_MS)).toMatchObject({
      code: 'signature_invalid',
      message: expect.stringContaining('is not valid now'),
    });
  });
});
