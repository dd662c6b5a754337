import { z } from 'zod';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const NOT_WHSEC = 'expected whsec_ followed by base64';

/**
 * `whsec_<base64>` (Standard Webhooks secrets, the relay's `signing.secret`) → the raw HMAC key, or
 * undefined when the rest is not base64. The prefix is optional, as in the reference libraries.
 */
export function whsecKey(secret: string): Buffer | undefined {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  return BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
}

/** One `whsec_<base64>` secret, prefix required: the relay's own `signing.secret`. */
export const whsecSecret = z
  .string()
  .refine((value) => value.startsWith('whsec_') && whsecKey(value) !== undefined, NOT_WHSEC);
