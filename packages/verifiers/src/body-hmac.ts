import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from './define-provider.js';
import { headerValue, hmac, matchOf } from './timing-safe.js';
import {
  reject,
  signatureVerdict,
  type EventLocations,
  type IncomingWebhook,
  type ProviderSample,
  type TestConfig,
  type Verdict,
} from './types.js';

/** One header carrying HMAC(secret, raw body) (GitHub, Shopify, Paystack, Flutterwave v4, `hmac`). */
export interface BodyHmac {
  /** Lowercase header name. */
  readonly header: string;
  /** The header as the provider's docs spell it, for messages. */
  readonly headerLabel: string;
  readonly algorithm: 'sha1' | 'sha256' | 'sha512';
  readonly encoding: 'hex' | 'base64';
  /** Written before the digest (`sha256=`). */
  readonly prefix?: string;
}

/** The header's value for `body` signed with `secret`. */
export function bodyHmacSignature(scheme: BodyHmac, secret: string, body: Buffer): string {
  return (scheme.prefix ?? '') + hmac(scheme.algorithm, secret, body).toString(scheme.encoding);
}

/**
 * Checks the header against every secret, on the exact bytes received. Hex (prefix included) is
 * compared case-insensitively, base64 exactly; the value that matched is the fingerprint.
 */
export function verifyBodyHmac(
  scheme: BodyHmac,
  secrets: readonly string[],
  request: IncomingWebhook,
): Verdict {
  const presented = headerValue(request.headers[scheme.header]);
  if (!presented) return reject('signature_missing', `missing ${scheme.headerLabel} header`);
  const normalise = (value: string) => (scheme.encoding === 'hex' ? value.toLowerCase() : value);
  const expected = secrets.map((key) => normalise(bodyHmacSignature(scheme, key, request.body)));
  return signatureVerdict(
    matchOf([normalise(presented.trim())], expected),
    `${scheme.headerLabel} does not match the body`,
  );
}

/** What differs between providers signing the raw body into one header. */
export interface BodyHmacScheme<Type extends string> extends BodyHmac {
  readonly type: Type;
  /** Headers forwarded besides the signature: what the provider's own libraries need to route the event. */
  readonly alsoForward?: readonly string[];
  readonly event?: EventLocations;
  readonly sample: ProviderSample;
  readonly testConfig: TestConfig;
}

/** A provider whose one header is HMAC(secret, body), several secrets allowed (key rotation). */
export function bodyHmacProvider<Type extends string>(scheme: BodyHmacScheme<Type>) {
  return defineProvider({
    type: scheme.type,
    schema: z.object({ type: z.literal(scheme.type), secret: secretList }),
    create: ({ secret }) => ({
      forwardHeaders: [scheme.header, ...(scheme.alsoForward ?? [])],
      signatureHeaders: [scheme.header],
      verify: (request) => verifyBodyHmac(scheme, secret, request),
    }),
    sign: ({ secret }, body) => ({ [scheme.header]: bodyHmacSignature(scheme, secret[0]!, body) }),
    event: scheme.event,
    replayGuard: 'content',
    redactHeaders: [scheme.header],
    sample: scheme.sample,
    testConfig: scheme.testConfig,
  });
}
