import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { hex, jsonSample, secretTestConfig } from '../sample.js';
import { NOT_WHSEC, whsecKey } from '@hookrelay/units';
import { headerValue, hmac, matchOf } from '../timing-safe.js';
import { checkTolerance, tolerance } from '../tolerance.js';
import { reject, signatureVerdict } from '../types.js';

const signingKeys = secretList.transform((secrets, ctx) =>
  secrets.map((secret) => {
    const key = whsecKey(secret);
    if (!key) ctx.addIssue({ code: 'custom', message: NOT_WHSEC });
    return key ?? Buffer.alloc(0);
  }),
);

function signatureOf(key: Buffer, id: string, timestamp: string, body: Buffer): string {
  return hmac('sha256', key, `${id}.${timestamp}.`, body).toString('base64');
}

/** Makes `webhook-signature` values (`v1,<base64>`) over `id.timestamp.body`. */
export type StandardWebhooksSigner = (
  id: string,
  timestampSeconds: number | string,
  body: Buffer,
) => string;

/**
 * The Standard Webhooks signer, for a `whsec_` secret or a key already decoded: signs `sign` here and
 * the relay's own deliveries (`signing.secret`) in the worker.
 */
export function standardWebhooksSigner(secret: string | Buffer): StandardWebhooksSigner {
  const key = typeof secret === 'string' ? whsecKey(secret) : secret;
  if (!key) throw new Error(`signing secret: ${NOT_WHSEC}`);
  return (id, timestampSeconds, body) =>
    `v1,${signatureOf(key, id, String(timestampSeconds), body)}`;
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
      'webhook-signature': standardWebhooksSigner(secret[0]!)(id, timestamp, body),
    };
  },
  event: { id: 'headers.webhook-id|headers.svix-id', type: 'body.type' },
  replayGuard: 'timestamp',
  redactHeaders: ['webhook-signature', 'svix-signature'],
  sample: {
    eventType: 'invoice.paid',
    build: (type, now) =>
      jsonSample({
        type,
        timestamp: now.toISOString(),
        data: { id: `inv_${hex(8)}`, amount: 15000, currency: 'XOF', status: 'paid' },
      }),
  },
  testConfig: secretTestConfig(
    'standard-webhooks',
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'],
    'whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCEh',
  ),
});
