import { describe, expect, it } from 'vitest';
import type { DestinationConfig } from '@hookrelay/config';
import type { DeliveryJobData } from '@hookrelay/queue';
import { buildDeliveryRequest } from '../src/delivery-request.js';

const destination = (format: DestinationConfig['format']): DestinationConfig => ({
  name: 'default',
  url: 'http://127.0.0.1:1/hook',
  format,
  headers: { authorization: 'Bearer configured', 'x-tenant': 'acme' },
  timeoutMs: 1_000,
  retry: { attempts: 1, backoff: 'fixed', delayMs: 1, maxDelayMs: 1, jitter: 0 },
  breaker: false,
});

/** A job as someone with access to Bull Board or Redis could write it. */
const tampered: DeliveryJobData = {
  version: 1,
  id: 'evt_1',
  source: 'shop',
  destination: 'default',
  requestId: 'req-1',
  receivedAt: Date.parse('2026-01-01T00:00:00Z'),
  contentType: 'application/json',
  headers: {
    authorization: 'Bearer attacker',
    'X-Tenant': 'evil',
    'Content-Type': 'text/evil',
    'X-Hookrelay-Id': 'evt_forged',
    'Content-Length': '1',
    Host: 'elsewhere.example',
    'stripe-signature': 't=1,v1=abc',
  },
  body: '{"ok":true}',
  bodyEncoding: 'utf8',
};

const build = (format: DestinationConfig['format']) =>
  buildDeliveryRequest(tampered, destination(format), {
    attempt: 1,
    source: { verifyType: 'none', format: 'json' as const },
    nowMs: Date.parse('2026-01-01T00:00:01Z'),
  }).headers;

describe('buildDeliveryRequest headers', () => {
  it("lets the destination's configured headers win over a job's, whatever the job's case", () => {
    const headers = build('raw');
    expect(headers.authorization).toBe('Bearer configured');
    expect(headers['x-tenant']).toBe('acme');
    expect(Object.keys(headers).filter((name) => /^(authorization|x-tenant)$/i.test(name))).toEqual(
      ['authorization', 'x-tenant'],
    );
  });

  it("keeps the relay's own headers above both, and never lets a job set framing headers", () => {
    const headers = build('raw');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-hookrelay-id']).toBe('evt_1');
    const names = Object.keys(headers).map((name) => name.toLowerCase());
    expect(names).not.toContain('content-length');
    expect(names).not.toContain('host');
    expect(names.filter((name) => name === 'x-hookrelay-id')).toHaveLength(1);
  });

  it("still forwards the job's other headers in raw format, and none of them in envelope format", () => {
    expect(build('raw')['stripe-signature']).toBe('t=1,v1=abc');
    const envelope = build('envelope');
    expect(envelope['stripe-signature']).toBeUndefined();
    expect(envelope.authorization).toBe('Bearer configured');
  });
});
