import { z } from 'zod';
import { defineProvider } from '../define-provider.js';
import { genericSample } from '../sample.js';
import { ACCEPTED } from '../types.js';

/** No verification: for trusted internal senders only. */
export const none = defineProvider({
  type: 'none',
  schema: z.object({ type: z.literal('none') }),
  create: () => ({ forwardHeaders: [], signatureHeaders: [], verify: () => ACCEPTED }),
  sign: () => ({}),
  replayGuard: 'none',
  redactHeaders: [],
  sample: genericSample,
  testConfig: { secrets: [], verify: () => ({ type: 'none' }) },
});
