import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { headerValue, hmac, matchOf } from '../timing-safe.js';
import { reject, signatureVerdict } from '../types.js';

const HEADER = 'x-hub-signature-256';

function signatureOf(secret: string, body: Buffer): string {
  return `sha256=${hmac('sha256', secret, body).toString('hex')}`;
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`; the legacy SHA-1 header is ignored. */
export const github = defineProvider({
  type: 'github',
  schema: z.object({ type: z.literal('github'), secret: secretList }),
  create: ({ secret }) => ({
    // The event and delivery headers go along so a backend using @octokit/webhooks can still route the event.
    forwardHeaders: [HEADER, 'x-github-event', 'x-github-delivery', 'x-github-hook-id'],
    signatureHeaders: [HEADER],
    verify(request) {
      const presented = headerValue(request.headers[HEADER]);
      if (!presented) return reject('signature_missing', 'missing X-Hub-Signature-256 header');
      const expected = secret.map((key) => signatureOf(key, request.body));
      return signatureVerdict(
        matchOf([presented.trim().toLowerCase()], expected),
        'X-Hub-Signature-256 does not match the body',
      );
    },
  }),
  sign: ({ secret }, body) => ({ [HEADER]: signatureOf(secret[0]!, body) }),
  event: { id: 'headers.x-github-delivery', type: 'headers.x-github-event' },
  replayGuard: 'content',
});
