import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { headerValue, hmac, matchOf } from '../timing-safe.js';
import { reject, signatureVerdict } from '../types.js';

const HEADER = 'x-paystack-signature';

function signatureOf(secret: string, body: Buffer): string {
  return hmac('sha512', secret, body).toString('hex');
}

/**
 * Paystack: `x-paystack-signature` is the hex HMAC-SHA512 of the body, keyed with the secret API key.
 * Paystack payloads carry no event id (`data.id` is the resource's, shared by e.g. `invoice.create` and
 * `invoice.update`), so no default id: de-duplicating on it would drop genuine events.
 */
export const paystack = defineProvider({
  type: 'paystack',
  schema: z.object({ type: z.literal('paystack'), secret: secretList }),
  create: ({ secret }) => ({
    forwardHeaders: [HEADER],
    signatureHeaders: [HEADER],
    verify(request) {
      const presented = headerValue(request.headers[HEADER]);
      if (!presented) return reject('signature_missing', 'missing x-paystack-signature header');
      const expected = secret.map((key) => signatureOf(key, request.body));
      return signatureVerdict(
        matchOf([presented.trim().toLowerCase()], expected),
        'x-paystack-signature does not match the body',
      );
    },
  }),
  sign: ({ secret }, body) => ({ [HEADER]: signatureOf(secret[0]!, body) }),
  event: { type: 'body.event' },
  replayGuard: 'content',
});
