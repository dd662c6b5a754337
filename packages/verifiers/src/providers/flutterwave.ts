import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { bodyHmacSignature, verifyBodyHmac, type BodyHmac } from '../body-hmac.js';
import { defineProvider } from '../define-provider.js';
import { hex, jsonSample, secretTestConfig } from '../sample.js';
import { headerValue, safeEqualAny } from '../timing-safe.js';
import { ACCEPTED, reject } from '../types.js';

const V4: BodyHmac = {
  header: 'flutterwave-signature',
  headerLabel: 'flutterwave-signature',
  algorithm: 'sha256',
  encoding: 'base64',
};
const V3_HEADER = 'verif-hash';

/**
 * Flutterwave, keyed with the dashboard's "secret hash". v4 sends `flutterwave-signature`, the base64
 * HMAC-SHA256 of the body; v3 sends `verif-hash`, the secret hash itself (no body integrity: prefer v4).
 * When both are present only v4 is checked, so a leaked hash alone cannot pass a forged body. Not a
 * `bodyHmacProvider` because of that v3 fallback; v4 is checked by the same code.
 */
export const flutterwave = defineProvider({
  type: 'flutterwave',
  schema: z.object({ type: z.literal('flutterwave'), secret: secretList }),
  create: ({ secret }) => ({
    forwardHeaders: [V4.header, V3_HEADER],
    signatureHeaders: [V4.header, V3_HEADER],
    verify(request) {
      if (headerValue(request.headers[V4.header])) return verifyBodyHmac(V4, secret, request);
      const hash = headerValue(request.headers[V3_HEADER]);
      if (!hash)
        return reject(
          'signature_missing',
          'missing flutterwave-signature (or v3 verif-hash) header',
        );
      return safeEqualAny(hash, secret)
        ? ACCEPTED
        : reject('signature_invalid', 'verif-hash does not match the secret hash');
    },
  }),
  sign: ({ secret }, body) => ({ [V4.header]: bodyHmacSignature(V4, secret[0]!, body) }),
  // v4 bodies are `{webhook_id, type, data}`, v3 bodies `{event, data: {id}}`.
  event: { id: 'body.webhook_id|body.data.id', type: 'body.type|body.event' },
  replayGuard: 'content',
  redactHeaders: [V4.header, V3_HEADER],
  sample: {
    eventType: 'charge.completed',
    build: (type, now) =>
      jsonSample({
        webhook_id: `wbk_${hex(10)}`,
        timestamp: now.getTime(),
        type,
        data: {
          id: `chg_${hex(8)}`,
          amount: 15000,
          currency: 'XOF',
          status: 'succeeded',
          reference: `order-1042-${hex(3)}`,
          payment_method: { type: 'mobile_money' },
        },
      }),
  },
  testConfig: secretTestConfig(
    'flutterwave',
    ['flw-previous-secret-hash', 'flw-current-secret-hash'],
    'flw-wrong-secret-hash',
  ),
});
