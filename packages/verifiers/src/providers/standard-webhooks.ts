import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { headerValue, hmac, matchOf } from '../timing-safe.js';
import { checkTolerance, tolerance } from '../tolerance.js';
import { reject, signatureVerdict } from '../types.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `whsec_<base64>` (the prefix is optional, as in the reference libraries) → the raw HMAC key. */
const signingKeys = secretList.transform((secrets, ctx) =>
  secrets.map((secret) => {
    const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
    if (!BASE64.test(encoded))
      ctx.addIssue({ code: 'custom', message: 'expected whsec_ followed by base64' });
    return Buffer.from(encoded, 'base64');
  }),
);

function signatureOf(key: Buffer, id: string, timestamp: string, body: Buffer): string {
  return hmac('sha256', key, `${id}.${timestamp}.`, body).toString('base64');
}

const WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Svix sends the same scheme under `svix-*` names. Any `webhook-*` header selects the `webhook-*`
 * set whole, so id, timestamp and signature are always read from one set: mixing them would let a
 * replay verify with `svix-id` while the event id (and so de-duplication) came from an added
 * `webhook-id`.
 */
function headerSet(headers: IncomingHttpHeaders) {
  const prefix = WEBHOOK_HEADERS.some((name) => headers[name] !== undefined) ? 'webhook' : 'svix';
  return {
    id: headerValue(headers[`${prefix}-id`]),
    timestamp: headerValue(headers[`${prefix}-timestamp`]),
    signature: headerValue(headers[`${prefix}-signature`]),
  };
}

/** Standard Webhooks (Svix, Clerk, Resend…): `webhook-signature: v1,<base64> v1,<base64>` over `id.timestamp.body`. */
export const standardWebhooks = defineProvider({
  type: 'standard-webhooks',
  aliases: ['svix'],
  schema: z.object({ type: z.literal('standard-webhooks'), secret: signingKeys, tolerance }),
  create: ({ secret, tolerance: toleranceSeconds }) => ({
    forwardHeaders: [
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'svix-id',
      'svix-timestamp',
      'svix-signature',
    ],
    signatureHeaders: ['webhook-signature', 'svix-signature'],
    verify(request, nowMs) {
      const { id, timestamp, signature } = headerSet(request.headers);
      if (!id || !timestamp || !signature) {
        return reject(
          'signature_missing',
          'missing webhook-id, webhook-timestamp or webhook-signature header',
        );
      }
      if (!/^\d{1,12}$/.test(timestamp))
        return reject('signature_invalid', 'webhook-timestamp is not a number of seconds');
      // Other versions (v1a: asymmetric) are skipped, as the specification asks.
      const presented = signature
        .split(' ')
        .filter((entry) => entry.startsWith('v1,'))
        .map((entry) => entry.slice(3));
      const expected = secret.map((key) => signatureOf(key, id, timestamp, request.body));
      const verdict = signatureVerdict(
        matchOf(presented, expected),
        'no v1 signature matches the body',
      );
      if (!verdict.ok) return verdict;
      return checkTolerance(Number(timestamp), nowMs, toleranceSeconds) ?? verdict;
    },
  }),
  sign: ({ secret }, body, { nowMs }) => {
    const id = `msg_${randomUUID().replaceAll('-', '')}`;
    const timestamp = String(Math.floor(nowMs / 1000));
    return {
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${signatureOf(secret[0]!, id, timestamp, body)}`,
    };
  },
  event: { id: 'headers.webhook-id|headers.svix-id', type: 'body.type' },
  replayGuard: 'timestamp',
});
