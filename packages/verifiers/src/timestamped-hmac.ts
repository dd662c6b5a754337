import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from './define-provider.js';
import { parseTimestampedHeader } from './signature-header.js';
import { headerValue, hmac, matchOf } from './timing-safe.js';
import { checkTolerance, tolerance } from './tolerance.js';
import {
  reject,
  signatureVerdict,
  type EventLocations,
  type ProviderSample,
  type TestConfig,
} from './types.js';

/** What differs between providers of the `t=<unix s>,<key>=<hex>` family (Stripe, Wave, FedaPay). */
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
  readonly sample: ProviderSample;
  readonly testConfig: TestConfig;
}

/** The value of `headerLabel` must be one strict `t=…,<key>=…` list (see signature-header.ts). */

/**
 * A provider signing HMAC-SHA256(secret, t + separator + body) in hex, several values allowed. The
 * HMAC runs on the exact bytes received, never on a decoded string.
 */
export function timestampedHmacProvider<Type extends string>(scheme: TimestampedHmacScheme<Type>) {
  const { header, headerLabel, signatureKey, separator } = scheme;
  const signatureOf = (secret: string, timestamp: number, body: Buffer) =>
    hmac('sha256', secret, `${timestamp}${separator}`, body).toString('hex');
  return defineProvider({
    type: scheme.type,
    schema: z.object({ type: z.literal(scheme.type), secret: secretList, tolerance }),
    create: ({ secret, tolerance: toleranceSeconds }) => ({
      forwardHeaders: [header],
      signatureHeaders: [header],
      verify(request, nowMs) {
        const value = headerValue(request.headers[header]);
        if (!value) return reject('signature_missing', `missing ${headerLabel} header`);
        const parsed = parseTimestampedHeader(value);
        if (!parsed.ok) return reject('signature_invalid', `${headerLabel}: ${parsed.problem}`);
        const { timestamp, signatures } = parsed;
        const presented = (signatures.get(signatureKey) ?? []).map((s) => s.toLowerCase());
        if (presented.length === 0)
          return reject('signature_invalid', `${headerLabel} has no ${signatureKey} signature`);
        const expected = secret.map((key) => signatureOf(key, timestamp, request.body));
        const verdict = signatureVerdict(
          matchOf(presented, expected),
          `no ${signatureKey} signature matches the body`,
        );
        if (!verdict.ok) return verdict;
        return checkTolerance(timestamp, nowMs, toleranceSeconds) ?? verdict;
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
    redactHeaders: [header],
    sample: scheme.sample,
    testConfig: scheme.testConfig,
  });
}
