import { z } from 'zod';
import { secret } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { genericSample } from '../sample.js';
import { headerValue, safeEqual } from '../timing-safe.js';
import { ACCEPTED, reject } from '../types.js';

/** HTTP Basic credentials, as many gateways' IPN settings offer. */
export const basic = defineProvider({
  type: 'basic',
  schema: z.object({ type: z.literal('basic'), username: secret, password: secret }),
  create: ({ username, password }) => {
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    return {
      forwardHeaders: [],
      signatureHeaders: ['authorization'],
      verify(request) {
        const presented = headerValue(request.headers.authorization);
        if (presented === undefined || !/^basic /i.test(presented)) {
          return reject('signature_missing', 'missing Basic authorization header');
        }
        const normalised = `Basic ${presented.slice(6).trim()}`;
        return safeEqual(normalised, expected)
          ? ACCEPTED
          : reject('signature_invalid', 'credentials do not match');
      },
    };
  },
  sign: ({ username, password }) => ({
    authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
  }),
  replayGuard: 'none',
  redactHeaders: ['authorization'],
  sample: genericSample,
  // A single pair, no rotation: the one secret is the password.
  testConfig: {
    secrets: ['b4sic-pa55-current'],
    wrongSecret: 'not-the-password',
    verify: ([password]) => ({ type: 'basic', username: 'gateway', password }),
  },
});
