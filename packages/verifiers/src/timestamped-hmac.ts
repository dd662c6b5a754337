import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from './define-provider.js';
import { parseTimestampedHeader } from './signature-header.js';
import { anyEqual, headerValue, hmac } from './timing-safe.js';
import { checkTolerance, tolerance } from './tolerance.js';
import { ACCEPTED, reject, type EventLocations } from './types.js';

/** What differs between providers of the `t=<unix s>,<key>=<hex>` family (Wave, FedaPay). */
export interface TimestampedHmacScheme<Type extends string> {
  readonly type: Type;
  /** Lowercase header name. */
  readonly header: string;
  /** The header as the provider's docs spell it, for messages. */
  readonly headerLabel: string;
  /** The key of the signature values (`v1`, `s`). */
  readonly signatureKey: string;
  /** What goes between the timestamp and the body in the signed content (`''` or `'.'`). */
  readonly separator: string;
  readonly event: EventLocations;
}

/** A provider signing HMAC-SHA256(secret, t + separator + body) in hex, several values allowed. */
export function timestampedHmacProvider<Type extends string>(scheme: TimestampedHmacScheme<Type>) {
  const { header, headerLabel, signatureKey, separator } = scheme;
  const signatureOf = (secret: string, timestamp: number, body: Buffer) =>
    hmac('sha256', secret, `${timestamp}${separator}`, body).toString('hex');
  return defineProvider({
    type: scheme.type,
    schema: z.object({ type: z.literal(scheme.type), secret: secretList, tolerance }),
    create: ({ secret, tolerance: toleranceSeconds }) => ({
      forwardHeaders: [header],
      verify(request, nowMs) {
        const value = headerValue(request.headers[header]);
        if (!value) return reject('signature_missing', `missing ${headerLabel} header`);
        const { timestamp, signatures } = parseTimestampedHeader(value);
        const presented = (signatures.get(signatureKey) ?? []).map((s) => s.toLowerCase());
        if (timestamp === undefined || presented.length === 0) {
          return reject('signature_invalid', `${headerLabel} needs t= and ${signatureKey}=`);
        }
        const expected = secret.map((key) => signatureOf(key, timestamp, request.body));
        if (!anyEqual(presented, expected)) {
          return reject('signature_invalid', `no ${signatureKey}= signature matches the body`);
        }
        return checkTolerance(timestamp, nowMs, toleranceSeconds) ?? ACCEPTED;
      },
    }),
    sign: ({ secret }, body, { nowMs }) => {
      const timestamp = Math.floor(nowMs / 1000);
      return {
        [header]: `t=${timestamp},${signatureKey}=${signatureOf(secret[0]!, timestamp, body)}`,
      };
    },
    event: scheme.event,
    replayGuard: 'timestamp',
  });
}
