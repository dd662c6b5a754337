import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { parseTimestampedHeader } from '../signature-header.js';
import { anyEqual, headerValue, hmac } from '../timing-safe.js';
import { checkTolerance, tolerance } from '../tolerance.js';
import { ACCEPTED, reject } from '../types.js';

const HEADER = 'x-fedapay-signature';

function signatureOf(secret: string, timestamp: number, body: Buffer): string {
  return hmac('sha256', secret, `${timestamp}.`, body).toString('hex');
}

/** FedaPay: `X-FEDAPAY-SIGNATURE: t=<unix s>,s=<hex>`, HMAC-SHA256 of `t + "." + body` (the scheme of the `fedapay` SDK). */
export const fedapay = defineProvider({
  type: 'fedapay',
  schema: z.object({ type: z.literal('fedapay'), secret: secretList, tolerance }),
  create: ({ secret, tolerance: toleranceSeconds }) => ({
    forwardHeaders: [HEADER],
    verify(request, nowMs) {
      const header = headerValue(request.headers[HEADER]);
      if (!header) return reject('signature_missing', 'missing X-FEDAPAY-SIGNATURE header');
      const { timestamp, signatures } = parseTimestampedHeader(header);
      const presented = signatures.get('s') ?? [];
      if (timestamp === undefined || presented.length === 0) {
        return reject('signature_invalid', 'X-FEDAPAY-SIGNATURE needs t= and s=');
      }
      const expected = secret.map((key) => signatureOf(key, timestamp, request.body));
      if (
        !anyEqual(
          presented.map((value) => value.toLowerCase()),
          expected,
        )
      ) {
        return reject('signature_invalid', 'no s= signature matches the body');
      }
      return checkTolerance(timestamp, nowMs, toleranceSeconds) ?? ACCEPTED;
    },
  }),
  sign: ({ secret }, body, { nowMs }) => {
    const timestamp = Math.floor(nowMs / 1000);
    return { [HEADER]: `t=${timestamp},s=${signatureOf(secret[0]!, timestamp, body)}` };
  },
  // FedaPay posts its Event object: `{id, name: "transaction.approved", entity: {...}}`.
  event: { id: 'body.id', type: 'body.name' },
});
