import { z } from 'zod';
import { secret } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { genericSample } from '../sample.js';
import { headerValue, safeEqualAny } from '../timing-safe.js';
import { ACCEPTED, reject } from '../types.js';

/** A static credential header (`Authorization: Bearer …`, `X-Token: …`) compared in constant time. */
export const token = defineProvider({
  type: 'token',
  schema: z.object({
    type: z.literal('token'),
    header: z
      .string()
      .min(1)
      .transform((name) => name.toLowerCase()),
    value: z.union([secret, z.array(secret).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
  }),
  create: ({ header, value }) => ({
    forwardHeaders: [],
    signatureHeaders: [header],
    verify(request) {
      const presented = headerValue(request.headers[header]);
      if (presented === undefined) return reject('signature_missing', `missing ${header} header`);
      return safeEqualAny(presented, value)
        ? ACCEPTED
        : reject('signature_invalid', `${header} does not match`);
    },
  }),
  sign: ({ header, value }) => ({ [header]: value[0]! }),
  replayGuard: 'none',
  // The header is the config's: the logger masks it only when its name says authorization, token…
  redactHeaders: [],
  sample: genericSample,
  testConfig: {
    secrets: ['Bearer tok_previous_5d1c0f', 'Bearer tok_current_9a2e7b'],
    wrongSecret: 'Bearer tok_wrong_000000',
    verify: (values) => ({ type: 'token', header: 'authorization', value: [...values] }),
  },
});
