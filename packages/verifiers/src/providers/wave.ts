import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { parseTimestampedHeader } from '../signature-header.js';
import { anyEqual, headerValue, hmac } from '../timing-safe.js';
import { checkTolerance, tolerance } from '../tolerance.js';
import { ACCEPTED, reject } from '../types.js';

const HEADER = 'wave-signature';

// Wave signs the timestamp and the body run together, with no separator (unlike Stripe's `t.body`).
function signatureOf(secret: string, timestamp: number, body: Buffer): string {
  return hmac('sha256', secret, String(timestamp), body).toString('hex');
}

/** Wave: `Wave-Signature: t=<unix s>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of `t + body`; any v1 may match. */
export const wave = defineProvider({
  type: 'wave',
  schema: z.object({ type: z.literal('wave'), secret: secretList, tolerance }),
  create: ({ secret, tolerance: toleranceSeconds }) => ({
    forwardHeaders: [HEADER],
    verify(request, nowMs) {
      const header = headerValue(request.headers[HEADER]);
      if (!header) return reject('signature_missing', 'missing Wave-Signature header');
      const { timestamp, signatures } = parseTimestampedHeader(header);
      const presented = signatures.get('v1') ?? [];
      if (timestamp === undefined || presented.length === 0) {
        return reject('signature_invalid', 'Wave-Signature needs t= and at least one v1=');
      }
      const expected = secret.map((key) => signatureOf(key, timestamp, request.body));
      if (
        !anyEqual(
          presented.map((value) => value.toLowerCase()),
          expected,
        )
      ) {
        return reject('signature_invalid', 'no v1 signature matches the body');
      }
      return checkTolerance(timestamp, nowMs, toleranceSeconds) ?? ACCEPTED;
    },
  }),
  sign: ({ secret }, body, { nowMs }) => {
    const timestamp = Math.floor(nowMs / 1000);
    return { [HEADER]: `t=${timestamp},v1=${signatureOf(secret[0]!, timestamp, body)}` };
  },
  event: { id: 'body.id', type: 'body.type' },
});
