import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { headerValue, hmac, matchOf } from '../timing-safe.js';
import { reject, signatureVerdict } from '../types.js';

const HEADER = 'x-shopify-hmac-sha256';

function signatureOf(secret: string, body: Buffer): string {
  return hmac('sha256', secret, body).toString('base64');
}

/** Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the body, keyed with the app's client secret. */
export const shopify = defineProvider({
  type: 'shopify',
  schema: z.object({ type: z.literal('shopify'), secret: secretList }),
  create: ({ secret }) => ({
    // Topic, shop and API version go along: Shopify's own libraries need them to process the event.
    forwardHeaders: [
      HEADER,
      'x-shopify-topic',
      'x-shopify-webhook-id',
      'x-shopify-event-id',
      'x-shopify-shop-domain',
      'x-shopify-api-version',
      'x-shopify-triggered-at',
    ],
    signatureHeaders: [HEADER],
    verify(request) {
      const presented = headerValue(request.headers[HEADER]);
      if (!presented) return reject('signature_missing', 'missing X-Shopify-Hmac-Sha256 header');
      const expected = secret.map((key) => signatureOf(key, request.body));
      return signatureVerdict(
        matchOf([presented.trim()], expected),
        'X-Shopify-Hmac-Sha256 does not match the body',
      );
    },
  }),
  sign: ({ secret }, body) => ({ [HEADER]: signatureOf(secret[0]!, body) }),
  event: { id: 'headers.x-shopify-webhook-id', type: 'headers.x-shopify-topic' },
  replayGuard: 'content',
});
