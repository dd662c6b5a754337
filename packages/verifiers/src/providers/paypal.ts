import { createSign, randomUUID, verify as verifySignature, type KeyLike } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { hex, jsonSample } from '../sample.js';
import {
  paypalCertUrl,
  PaypalCertificates,
  type CertificateFetcher,
} from '../paypal-certificates.js';
import { headerValue } from '../timing-safe.js';
import { checkTolerance, tolerance } from '../tolerance.js';
import { ACCEPTED, reject, type Verdict, type Verifier } from '../types.js';

const HEADERS = {
  id: 'paypal-transmission-id',
  time: 'paypal-transmission-time',
  signature: 'paypal-transmission-sig',
  certUrl: 'paypal-cert-url',
  algorithm: 'paypal-auth-algo',
} as const;

const schema = z.object({
  type: z.literal('paypal'),
  // A list lets a source accept two webhook ids while one is replaced.
  webhookId: secretList,
  tolerance,
});

export type PaypalConfig = z.output<typeof schema>;

export interface PaypalVerifierOptions {
  readonly fetchCertificate?: CertificateFetcher;
  /** PEM roots the certificate chain must reach; default Node's bundled Mozilla store. */
  readonly trustedRoots?: readonly string[];
}

/** What PayPal signs: `transmissionId|transmissionTime|webhookId|crc32(body)`, the CRC as an unsigned decimal. */
export function paypalSignedString(
  transmissionId: string,
  time: string,
  webhookId: string,
  body: Buffer,
): string {
  return `${transmissionId}|${time}|${webhookId}|${crc32(body)}`;
}

let sharedCertificates: PaypalCertificates | undefined;

/** A PayPal verifier; `options` replace the network and the trust store (tests). */
export function createPaypalVerifier(
  config: PaypalConfig,
  options: PaypalVerifierOptions = {},
): Verifier {
  const custom = options.fetchCertificate !== undefined || options.trustedRoots !== undefined;
  // Sources share one default cache, so parsing the root store and downloading a certificate happen once.
  const certificates = custom
    ? new PaypalCertificates(options.fetchCertificate, options.trustedRoots)
    : (sharedCertificates ??= new PaypalCertificates());
  return {
    forwardHeaders: Object.values(HEADERS),
    signatureHeaders: [HEADERS.signature],
    async verify(request, nowMs): Promise<Verdict> {
      const [id, time, signature, certUrl, algorithm] = Object.values(HEADERS).map((name) =>
        headerValue(request.headers[name]),
      );
      if (!id || !time || !signature || !certUrl || !algorithm) {
        return reject(
          'signature_missing',
          'missing one of the PAYPAL-TRANSMISSION-ID/-TIME/-SIG, PAYPAL-CERT-URL, PAYPAL-AUTH-ALGO headers',
        );
      }
      if (algorithm !== 'SHA256withRSA')
        return reject('signature_invalid', `unsupported PAYPAL-AUTH-ALGO ${algorithm}`);
      // Checked before anything is fetched: no request ever leaves for a URL off PayPal's hosts.
      const url = paypalCertUrl(certUrl);
      if (!url)
        return reject(
          'signature_invalid',
          'PAYPAL-CERT-URL is not an https URL on a PayPal certificate host',
        );
      const sentMs = Date.parse(time);
      if (Number.isNaN(sentMs))
        return reject('signature_invalid', 'PAYPAL-TRANSMISSION-TIME is not a date');
      const stale = checkTolerance(sentMs / 1000, nowMs, config.tolerance);
      if (stale) return stale;
      let key;
      try {
        key = await certificates.publicKey(url, nowMs);
      } catch (error) {
        return reject(
          'signature_invalid',
          `PayPal certificate refused: ${(error as Error).message}`,
        );
      }
      const signatureBytes = Buffer.from(signature, 'base64');
      const matches = config.webhookId.some((webhookId) => {
        try {
          const message = Buffer.from(paypalSignedString(id, time, webhookId, request.body));
          return verifySignature('sha256', message, key, signatureBytes);
        } catch {
          return false;
        }
      });
      return matches
        ? ACCEPTED
        : reject('signature_invalid', 'PAYPAL-TRANSMISSION-SIG does not match');
    },
  };
}

/**
 * Headers of a PayPal transmission signed with `privateKey` (tests, and senders with their own CA).
 * There is no `sign` on the provider: only PayPal holds a key its certificates vouch for.
 */
export function signPaypalTransmission(options: {
  privateKey: KeyLike;
  certUrl: string;
  webhookId: string;
  body: Buffer;
  nowMs: number;
  transmissionId?: string;
}): Record<string, string> {
  const id = options.transmissionId ?? randomUUID();
  const time = new Date(options.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const signer = createSign('sha256').update(
    paypalSignedString(id, time, options.webhookId, options.body),
  );
  return {
    [HEADERS.id]: id,
    [HEADERS.time]: time,
    [HEADERS.signature]: signer.sign(options.privateKey, 'base64'),
    [HEADERS.certUrl]: options.certUrl,
    [HEADERS.algorithm]: 'SHA256withRSA',
  };
}

/** PayPal: RSA-SHA256 by a certificate fetched only from PayPal's hosts and chained to a trusted root. */
export const paypal = defineProvider({
  type: 'paypal',
  schema,
  create: (config) => createPaypalVerifier(config),
  event: { id: 'body.id', type: 'body.event_type' },
  replayGuard: 'timestamp',
  redactHeaders: [HEADERS.signature],
  // Never sent by `hookrelay send` (no `sign`): the shape PayPal posts, for tests.
  sample: {
    eventType: 'PAYMENT.CAPTURE.COMPLETED',
    build: (eventType, now) =>
      jsonSample({
        id: `WH-${hex(8).toUpperCase()}`,
        event_type: eventType,
        create_time: now.toISOString(),
        resource_type: 'capture',
        resource: {
          id: hex(8).toUpperCase(),
          status: 'COMPLETED',
          amount: { currency_code: 'EUR', value: '23.00' },
        },
      }),
  },
  testConfig: {
    secrets: ['WH-PREVIOUS-1A2B3C4D', '9XL90610J3647323C'],
    wrongSecret: 'WH-WRONG-0000000000',
    verify: (webhookIds) => ({ type: 'paypal', webhookId: [...webhookIds] }),
  },
});
