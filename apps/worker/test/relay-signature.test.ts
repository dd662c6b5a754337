import { describe, expect, it } from 'vitest';
import type { DestinationConfig } from '@hookrelay/config';
import type { DeliveryJobData } from '@hookrelay/queue';
import { createVerifier, verifyConfigSchema } from '@hookrelay/verifiers';
import { buildDeliveryRequest } from '../src/delivery-request.js';
import { relaySigner } from '../src/relay-signature.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW_MS = Date.parse('2026-01-01T00:00:01Z');

const job: DeliveryJobData = {
  version: 1,
  id: 'evt_1',
  source: 'shop',
  destination: 'default',
  requestId: 'req-1',
  receivedAt: Date.parse('2026-01-01T00:00:00Z'),
  contentType: 'application/json',
  headers: {},
  body: '{"ok":true}',
  bodyEncoding: 'utf8',
};

const destination = (format: DestinationConfig['format']): DestinationConfig => ({
  name: 'default',
  url: 'http://127.0.0.1:1/hook',
  format,
  headers: {},
  timeoutMs: 1_000,
  retry: { attempts: 1, backoff: 'fixed', delayMs: 1, maxDelayMs: 1, jitter: 0 },
  breaker: false,
});

describe('relay signing', () => {
  const verifier = createVerifier(
    verifyConfigSchema.parse({ type: 'standard-webhooks', secret: SECRET }),
  );

  it.each(['raw', 'envelope'] as const)(
    'signs a %s delivery so a standard-webhooks source with the same secret accepts it',
    async (format) => {
      const request = buildDeliveryRequest(job, destination(format), {
        attempt: 1,
        source: { verifyType: 'none', format: 'json' },
        signer: relaySigner(SECRET),
        nowMs: NOW_MS,
      });
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      const incoming = { body: request.body, headers: request.headers, url: request.url };
      expect(await verifier.verify(incoming, NOW_MS)).toMatchObject({ ok: true });
      const tampered = { ...incoming, body: Buffer.concat([request.body, Buffer.from(' ')]) };
      expect(await verifier.verify(tampered, NOW_MS)).toMatchObject({ ok: false });
    },
  );

  it('refuses a secret that is not whsec_ base64', () => {
    expect(() => relaySigner('whsec_not base64!')).toThrow(/whsec_/);
  });
});
