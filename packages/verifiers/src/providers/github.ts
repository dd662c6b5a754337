import { randomUUID } from 'node:crypto';
import { bodyHmacProvider } from '../body-hmac.js';
import { hex, jsonSample, secretTestConfig } from '../sample.js';

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`; the legacy SHA-1 header is ignored. */
export const github = bodyHmacProvider({
  type: 'github',
  header: 'x-hub-signature-256',
  headerLabel: 'X-Hub-Signature-256',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  // The event and delivery headers go along so a backend using @octokit/webhooks can still route the event.
  alsoForward: ['x-github-event', 'x-github-delivery', 'x-github-hook-id'],
  event: { id: 'headers.x-github-delivery', type: 'headers.x-github-event' },
  sample: {
    eventType: 'push',
    build: (type) =>
      jsonSample(
        {
          ref: 'refs/heads/main',
          before: hex(20),
          after: hex(20),
          repository: {
            id: 1296269,
            name: 'hello-world',
            full_name: 'octocat/hello-world',
            private: false,
          },
          pusher: { name: 'octocat', email: 'octocat@github.com' },
          sender: { login: 'octocat', id: 1 },
          commits: [
            { id: hex(20), message: 'Fix the invoice rounding', author: { name: 'octocat' } },
          ],
        },
        { 'x-github-event': type!, 'x-github-delivery': randomUUID(), 'x-github-hook-id': '1' },
      ),
  },
  testConfig: secretTestConfig(
    'github',
    ['github-previous-secret', 'github-current-secret'],
    'not-the-github-secret',
  ),
});
