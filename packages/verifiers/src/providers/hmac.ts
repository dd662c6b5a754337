import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { headerValue, hmac as computeHmac, matchOf } from '../timing-safe.js';
import { reject, signatureVerdict } from '../types.js';

/** Generic HMAC of the raw body in a header, for gateways without a scheme of their own. */
export const hmac = defineProvider({
  type: 'hmac',
  schema: z.object({
    type: z.literal('hmac'),
    header: z
      .string()
      .min(1)
      .transform((name) => name.toLowerCase()),
    algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    prefix: z.string().default(''),
    secret: secretList,
  }),
  create: ({ header, algorithm, encoding, prefix, secret }) => ({
    forwardHeaders: [header],
    signatureHeaders: [header],
    verify(request) {
      const presented = headerValue(request.headers[header]);
      if (presented === undefined) return reject('signature_missing', `missing ${header} header`);
      const expected = secret.map(
        (key) => prefix + computeHmac(algorithm, key, request.body).toString(encoding),
      );
      const candidate = encoding === 'hex' ? presented.trim().toLowerCase() : presented.trim();
      const normalisedExpected =
        encoding === 'hex' ? expected.map((e) => e.toLowerCase()) : expected;
      return signatureVerdict(
        matchOf([candidate], normalisedExpected),
        `${header} does not match the body`,
      );
    },
  }),
  sign: ({ header, algorithm, encoding, prefix, secret }, body) => ({
    [header]: prefix + computeHmac(algorithm, secret[0]!, body).toString(encoding),
  }),
  replayGuard: 'content',
});
