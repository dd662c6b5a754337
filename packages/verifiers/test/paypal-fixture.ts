import { vi } from 'vitest';
import {
  createPaypalVerifier,
  signPaypalTransmission,
  verifyConfigSchema,
  type PaypalConfig,
} from '../src/index.js';
import { incoming, NOW_MS } from './helpers.js';
import type { IssuedCertificate, TestPki } from './paypal-ca.js';

export const CERT_URL =
  'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77';
export const WEBHOOK_ID = '9XL90610J3647323C';
/** A PAYMENT.SALE.COMPLETED event shaped like PayPal's sandbox sample. */
export const BODY = JSON.stringify({
  id: 'WH-9UG43882HX7271132-6E0871324L7949614',
  event_version: '1.0',
  resource_type: 'sale',
  event_type: 'PAYMENT.SALE.COMPLETED',
  resource: {
    id: '80F85758S3080410K',
    state: 'completed',
    amount: { total: '21.00', currency: 'USD' },
  },
});

export function paypalConfig(webhookId: string | string[] = WEBHOOK_ID): PaypalConfig {
  return verifyConfigSchema.parse({ type: 'paypal', webhookId }) as unknown as PaypalConfig;
}

/** A verifier trusting only the test root, whose fetcher serves `pem` and records every URL asked for. */
export function verifierServing(
  pki: TestPki,
  pem: string | (() => Promise<string>),
  config = paypalConfig(),
) {
  const fetchCertificate = vi.fn(async (_url: string) => (typeof pem === 'string' ? pem : pem()));
  const verifier = createPaypalVerifier(config, { fetchCertificate, trustedRoots: [pki.rootPem] });
  return { verifier, fetchCertificate };
}

/** A transmission signed with `certificate`'s key; overrides change what is sent after signing. */
export function transmission(
  certificate: IssuedCertificate,
  overrides: { body?: string; certUrl?: string; nowMs?: number; webhookId?: string } = {},
) {
  const headers = signPaypalTransmission({
    privateKey: certificate.privateKey,
    certUrl: overrides.certUrl ?? CERT_URL,
    webhookId: overrides.webhookId ?? WEBHOOK_ID,
    body: Buffer.from(BODY),
    nowMs: overrides.nowMs ?? NOW_MS,
  });
  return incoming(overrides.body ?? BODY, headers);
}
