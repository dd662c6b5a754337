import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { bodyHmacSignature, verifyBodyHmac, type BodyHmac } from '../body-hmac.js';
import { defineProvider } from '../define-provider.js';
import { genericSample } from '../sample.js';

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
  create: ({ secret, ...config }) => {
    const scheme: BodyHmac = { ...config, headerLabel: config.header };
    return {
      forwardHeaders: [config.header],
      signatureHeaders: [config.header],
      verify: (request) => verifyBodyHmac(scheme, secret, request),
    };
  },
  sign: ({ secret, ...config }, body) => ({
    [config.header]: bodyHmacSignature({ ...config, headerLabel: config.header }, secret[0]!, body),
  }),
  replayGuard: 'content',
  // The header is the config's: the logger masks it only when its name says signature, token, hmac…
  redactHeaders: [],
  sample: genericSample,
  testConfig: {
    secrets: ['hmac-previous-secret', 'hmac-current-secret'],
    wrongSecret: 'hmac-wrong-secret',
    verify: (secrets) => ({
      type: 'hmac',
      header: 'x-signature',
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 'sha512=',
      secret: [...secrets],
    }),
  },
});
