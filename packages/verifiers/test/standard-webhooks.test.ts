import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import {
  signRequest,
  standardWebhooksSigner,
  verifyConfigSchema,
  whsecKey,
  whsecSecret,
} from '../src/index.js';
import { describeProviderContract } from './contract.js';
import { eventField, incoming, verdictOf } from './helpers.js';

const PREVIOUS = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const CURRENT = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const BODY = JSON.stringify({
  type: 'invoice.paid',
  timestamp: '2026-01-15T12:00:00Z',
  data: { id: 'inv_1' },
});

describeProviderContract({
  type: 'standard-webhooks',
  signedBy: 'the standardwebhooks library',
  providerSign: (secret, body, timestampS) => ({
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': String(timestampS),
    'webhook-signature': new StandardWebhook(secret).sign(
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      new Date(timestampS * 1000),
      body,
    ),
  }),
  example: { body: BODY, id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', type: 'invoice.paid' },
});

describeProviderContract({
  type: 'svix',
  config: (secrets) => ({ type: 'svix', secret: [...secrets] }),
  signedBy: 'the svix library, under svix-* header names',
  providerSign: (secret, body, timestampS) => ({
    'svix-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    'svix-timestamp': String(timestampS),
    'svix-signature': new SvixWebhook(secret).sign(
      'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      new Date(timestampS * 1000),
      body,
    ),
  }),
  example: { body: BODY, id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', type: 'invoice.paid' },
});

describe('standard-webhooks verifier against the specification', () => {
  const vector = {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const vectorNow = 1614265330 * 1000;

  it("accepts the specification's test vector", async () => {
    const request = incoming('{"test": 2432232314}', vector);
    expect(
      await verdictOf({ type: 'standard-webhooks', secret: PREVIOUS }, request, vectorNow),
    ).toMatchObject({ ok: true });
  });

  it('accepts the vector when the secret is given without its whsec_ prefix', async () => {
    const request = incoming('{"test": 2432232314}', vector);
    const secret = PREVIOUS.slice('whsec_'.length);
    expect(
      await verdictOf({ type: 'standard-webhooks', secret }, request, vectorNow),
    ).toMatchObject({ ok: true });
  });

  it('accepts a header listing several signatures when any one matches', async () => {
    const request = incoming('{"test": 2432232314}', {
      ...vector,
      'webhook-signature': `v1a,bm90LWFzeW1tZXRyaWM= v1,Ym9ndXM= ${vector['webhook-signature']}`,
    });
    expect(
      await verdictOf({ type: 'standard-webhooks', secret: PREVIOUS }, request, vectorNow),
    ).toMatchObject({ ok: true });
  });

  it('rejects the vector once the id is changed', async () => {
    const request = incoming('{"test": 2432232314}', { ...vector, 'webhook-id': 'msg_other' });
    const verdict = await verdictOf(
      { type: 'standard-webhooks', secret: PREVIOUS },
      request,
      vectorNow,
    );
    expect(verdict).toMatchObject({ ok: false, code: 'signature_invalid' });
  });

  it('answers signature_missing when only the id header is absent', async () => {
    const { 'webhook-id': _id, ...rest } = vector;
    const verdict = await verdictOf(
      { type: 'standard-webhooks', secret: PREVIOUS },
      incoming('{"test": 2432232314}', rest),
      vectorNow,
    );
    expect(verdict).toMatchObject({ ok: false, code: 'signature_missing' });
  });

  it('refuses a secret that is not base64 at configuration time', () => {
    expect(
      verifyConfigSchema.safeParse({ type: 'standard-webhooks', secret: 'whsec_not base64!' })
        .success,
    ).toBe(false);
  });

  it('produces headers the standardwebhooks library verifies', () => {
    const body = Buffer.from(BODY);
    const headers = signRequest(verifyConfigSchema.parse({ type: 'svix', secret: CURRENT }), body, {
      nowMs: Date.now(),
      url: 'https://relay.example.com/',
    });
    expect(new StandardWebhook(CURRENT).verify(body, headers)).toEqual(JSON.parse(BODY));
    expect(eventField('headers.webhook-id|headers.svix-id', incoming(body, headers))).toMatch(
      /^msg_/,
    );
  });

  it('reads the same id whether the sender used webhook-id or svix-id', () => {
    const location = 'headers.webhook-id|headers.svix-id';
    expect(eventField(location, incoming('{}', { 'svix-id': 'msg_a' }))).toBe('msg_a');
    expect(
      eventField(location, incoming('{}', { 'webhook-id': 'msg_b', 'svix-id': 'msg_c' })),
    ).toBe('msg_b');
  });
});

describe('the Standard Webhooks signer and whsec_ secrets', () => {
  it('signs what the standardwebhooks library verifies, as the relay signs its deliveries', () => {
    const body = Buffer.from(BODY);
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = standardWebhooksSigner(CURRENT)('msg_relay_1', timestamp, body);
    const headers = {
      'webhook-id': 'msg_relay_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    expect(new StandardWebhook(CURRENT).verify(body, headers)).toEqual(JSON.parse(BODY));
    expect(standardWebhooksSigner(whsecKey(CURRENT)!)('msg_relay_1', timestamp, body)).toBe(
      signature,
    );
  });

  it("signs the specification's test vector", () => {
    expect(
      standardWebhooksSigner(PREVIOUS)(
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        Buffer.from('{"test": 2432232314}'),
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('reads the key after an optional whsec_ prefix, and refuses what is not base64', () => {
    expect(whsecKey(PREVIOUS)).toEqual(whsecKey(PREVIOUS.slice('whsec_'.length)));
    expect(whsecKey(PREVIOUS)?.length).toBe(24);
    expect(whsecKey('whsec_not base64!')).toBeUndefined();
    expect(() => standardWebhooksSigner('whsec_not base64!')).toThrow(/whsec_/);
  });

  it('validates a signing secret: whsec_ then base64', () => {
    expect(whsecSecret.safeParse(CURRENT).success).toBe(true);
    for (const bad of [
      'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'whsec_',
      'whsec_a=b',
      'whsec_not base64!',
    ])
      expect(whsecSecret.safeParse(bad).error?.issues[0]?.message, bad).toBe(
        'expected whsec_ followed by base64',
      );
  });
});
