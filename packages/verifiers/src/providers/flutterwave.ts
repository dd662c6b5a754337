import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { headerValue, hmac, matchOf, safeEqualAny } from '../timing-safe.js';
import { ACCEPTED, reject, signatureVerdict } from '../types.js';

const V4_HEADER = 'flutterwave-signature';
const V3_HEADER = 'verif-hash';

function signatureOf(secretHash: string, body: Buffer): string {
  return hmac('sha256', secretHash, body).toString('base64');
}

/**
 * Flutterwave, keyed with the dashboard's "secret hash". v4 sends `flutterwave-signature`, the base64
 * HMAC-SHA256 of the body; v3 sends `verif-hash`, the secret hash itself (no body integrity: prefer v4).
 * When both are present only v4 is checked, so a leaked hash alone cannot pass a forged body.
 */
export const flutterwave = defineProvider({
  type: 'flutterwave',
  schema: z.object({ type: z.literal('flutterwave'), secret: secretList }),
  create: ({ secret }) => ({
    forwardHeaders: [V4_HEADER, V3_HEADER],
    signatureHeaders: [V4_HEADER, V3_HEADER],
    verify(request) {
      const signature = headerValue(request.headers[V4_HEADER]);
      if (signature) {
        const expected = secret.map((key) => signatureOf(key, request.body));
        return signatureVerdict(
          matchOf([signature.trim()], expected),
          'flutterwave-signature does not match the body',
        );
      }
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
  sign: ({ secret }, body) => ({ [V4_HEADER]: signatureOf(secret[0]!, body) }),
  // v4 bodies are `{webhook_id, type, data}`, v3 bodies `{event, data: {id}}`.
  event: { id: 'body.webhook_id|body.data.id', type: 'body.type|body.event' },
  replayGuard: 'content',
});
