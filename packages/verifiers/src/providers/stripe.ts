import Stripe from 'stripe';
import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { headerValue } from '../timing-safe.js';
import { ACCEPTED, reject } from '../types.js';
import { checkTolerance, tolerance } from '../tolerance.js';

const HEADER = 'stripe-signature';

function timestampOf(header: string): number | undefined {
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2);
    if (key?.trim() === 't' && value !== undefined && /^\d+$/.test(value.trim()))
      return Number(value);
  }
  return undefined;
}

/** Stripe: `Stripe-Signature: t=…,v1=…`, checked with Stripe's own library; any v1 and any secret may match. */
export const stripe = defineProvider({
  type: 'stripe',
  schema: z.object({ type: z.literal('stripe'), secret: secretList, tolerance }),
  create: ({ secret, tolerance: toleranceSeconds }) => ({
    forwardHeaders: [HEADER],
    verify(request, nowMs) {
      const header = headerValue(request.headers[HEADER]);
      if (!header) return reject('signature_missing', 'missing Stripe-Signature header');
      const timestamp = timestampOf(header);
      if (timestamp === undefined)
        return reject('signature_invalid', 'Stripe-Signature has no timestamp');
      // Stripe's tolerance check only looks backwards; ours (below) also refuses future timestamps.
      const matches = secret.some((key) => {
        try {
          return Stripe.webhooks.signature!.verifyHeader(request.body, header, key, 0);
        } catch {
          return false;
        }
      });
      if (!matches) return reject('signature_invalid', 'no v1 signature matches the body');
      return checkTolerance(timestamp, nowMs, toleranceSeconds) ?? ACCEPTED;
    },
  }),
  sign: ({ secret }, body, { nowMs }) => ({
    [HEADER]: Stripe.webhooks.generateTestHeaderString({
      payload: body.toString('utf8'),
      secret: secret[0]!,
      timestamp: Math.floor(nowMs / 1000),
    }),
  }),
  event: { id: 'body.id', type: 'body.type', data: 'body.data.object' },
  replayGuard: 'timestamp',
});
