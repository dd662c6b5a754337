import { beforeAll, describe, expect, it } from 'vitest';
import { paypalSignedString } from '../src/providers/paypal.js';
import { NOW_MS } from './helpers.js';
import { createTestPki, type IssuedCertificate, type TestPki } from './paypal-ca.js';
import { BODY, paypalConfig, transmission, verifierServing, WEBHOOK_ID } from './paypal-fixture.js';

let pki: TestPki;
let genuine: IssuedCertificate;

beforeAll(async () => {
  pki = await createTestPki(NOW_MS);
  genuine = await pki.issueLeaf();
});

describe('paypal verifier transmissions', () => {
  it('rejects a tampered body, and a transmission meant for another webhook id', async () => {
    const { verifier } = verifierServing(pki, genuine.pem);
    const tampered = transmission(genuine, { body: BODY.replace('21.00', '2100.00') });
    expect(await verifier.verify(tampered, NOW_MS)).toMatchObject({
      code: 'signature_invalid',
      message: 'PAYPAL-TRANSMISSION-SIG does not match',
    });
    expect(
      await verifier.verify(transmission(genuine, { webhookId: 'OTHERWEBHOOK1' }), NOW_MS),
    ).toMatchObject({ code: 'signature_invalid' });
  });

  it('answers signature_missing when a transmission header is absent', async () => {
    const { verifier } = verifierServing(pki, genuine.pem);
    const request = transmission(genuine);
    const { 'paypal-transmission-sig': _sig, ...headers } = request.headers;
    expect(await verifier.verify({ ...request, headers }, NOW_MS)).toMatchObject({
      ok: false,
      code: 'signature_missing',
    });
  });

  it('rejects stale and future transmission times before downloading anything', async () => {
    const { verifier, fetchCertificate } = verifierServing(pki, genuine.pem);
    const stale = await verifier.verify(transmission(genuine, { nowMs: NOW_MS - 301_000 }), NOW_MS);
    const future = await verifier.verify(
      transmission(genuine, { nowMs: NOW_MS + 301_000 }),
      NOW_MS,
    );
    expect(stale).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
    expect(future).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it('does not cache a failed download', async () => {
    let calls = 0;
    const { verifier } = verifierServing(pki, async () =>
      ++calls === 1 ? Promise.reject(new Error('timeout')) : genuine.pem,
    );
    expect(await verifier.verify(transmission(genuine), NOW_MS)).toMatchObject({
      code: 'signature_invalid',
    });
    expect(await verifier.verify(transmission(genuine), NOW_MS)).toMatchObject({ ok: true });
  });

  it('accepts either webhook id while one is being replaced', async () => {
    const { verifier } = verifierServing(
      pki,
      genuine.pem,
      paypalConfig(['OLDWEBHOOK01', WEBHOOK_ID]),
    );
    expect(await verifier.verify(transmission(genuine), NOW_MS)).toMatchObject({ ok: true });
    expect(
      await verifier.verify(transmission(genuine, { webhookId: 'OLDWEBHOOK01' }), NOW_MS),
    ).toMatchObject({ ok: true });
  });

  it('signs the CRC32 of the body as an unsigned decimal', () => {
    expect(paypalSignedString('id', '2026-01-15T12:00:00Z', 'WH', Buffer.from('hello'))).toBe(
      'id|2026-01-15T12:00:00Z|WH|907060870',
    );
  });
});
