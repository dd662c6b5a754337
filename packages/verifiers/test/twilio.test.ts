import { createHash } from 'node:crypto';
import twilioSdk from 'twilio';
import { describe, expect, it } from 'vitest';
import { signRequest, verifyConfigSchema } from '../src/index.js';
import { describeProviderContract } from './contract.js';
import { incoming, NOW_MS, verdictOf } from './helpers.js';

const PUBLIC_URL = 'https://relay.example.com/api/webhooks/sms?tenant=acme';
const FORM =
  'MessageSid=SM1f0e8ae6ade43cb3c0ce4525424e404f&AccountSid=AC00000000000000000000000000000000&From=%2B22507070707&To=%2B15005550006&Body=Bonjour+%C3%A0+tous&NumMedia=0';
const params = Object.fromEntries(new URLSearchParams(FORM));

describeProviderContract({
  type: 'twilio',
  url: PUBLIC_URL,
  signedBy: "the twilio SDK's getExpectedTwilioSignature",
  providerSign: (token, body, _t, url) => ({
    'x-twilio-signature': twilioSdk.getExpectedTwilioSignature(
      token,
      url,
      Object.fromEntries(new URLSearchParams(body)),
    ),
  }),
  example: {
    body: FORM,
    headers: { 'i-twilio-idempotency-token': 'a2f1c3b0-idem' },
    id: 'a2f1c3b0-idem',
  },
});

describe('twilio verifier', () => {
  const token = 'n3w4uthT0ken00000000000000000000';
  const signature = twilioSdk.getExpectedTwilioSignature(token, PUBLIC_URL, params);

  it('checks against the configured public URL, not the URL seen behind the proxy', async () => {
    const behindProxy = incoming(
      FORM,
      { 'x-twilio-signature': signature },
      'http://10.0.0.7:3000/api/webhooks/sms?tenant=acme',
    );
    expect(await verdictOf({ type: 'twilio', secret: token }, behindProxy)).toMatchObject({
      code: 'signature_invalid',
    });
    const configured = {
      type: 'twilio',
      secret: token,
      url: 'https://relay.example.com/api/webhooks/sms',
    };
    expect(await verdictOf(configured, behindProxy)).toMatchObject({ ok: true });
  });

  it('accepts a signature made over the URL with its default port', async () => {
    const withPort = twilioSdk.getExpectedTwilioSignature(
      token,
      'https://relay.example.com:443/api/webhooks/sms?tenant=acme',
      params,
    );
    expect(
      await verdictOf(
        { type: 'twilio', secret: token },
        incoming(FORM, { 'x-twilio-signature': withPort }, PUBLIC_URL),
      ),
    ).toMatchObject({ ok: true });
  });

  it('sorts repeated parameters the way Twilio does', async () => {
    const body = 'To=%2B1&MediaUrl=https%3A%2F%2Fb&MediaUrl=https%3A%2F%2Fa';
    const expected = twilioSdk.getExpectedTwilioSignature(token, PUBLIC_URL, {
      To: '+1',
      MediaUrl: ['https://b', 'https://a'],
    });
    expect(
      await verdictOf(
        { type: 'twilio', secret: token },
        incoming(body, { 'x-twilio-signature': expected }, PUBLIC_URL),
      ),
    ).toMatchObject({ ok: true });
  });

  describe('with a JSON body signed through bodySHA256', () => {
    const json = JSON.stringify({ ParentAccountSid: 'AC0', Payload: { status: 'completed' } });
    const url = `https://relay.example.com/api/webhooks/events?bodySHA256=${createHash('sha256').update(json).digest('hex')}`;
    const headers = {
      'content-type': 'application/json',
      'x-twilio-signature': twilioSdk.getExpectedTwilioSignature(token, url, {}),
    };

    it('accepts the body whose hash is in the signed URL', async () => {
      expect(
        twilioSdk.validateRequestWithBody(token, headers['x-twilio-signature'], url, json),
      ).toBe(true);
      expect(
        await verdictOf({ type: 'twilio', secret: token }, incoming(json, headers, url)),
      ).toMatchObject({ ok: true });
    });

    it('rejects a body that no longer matches bodySHA256', async () => {
      const verdict = await verdictOf(
        { type: 'twilio', secret: token },
        incoming(json.replace('completed', 'failed'), headers, url),
      );
      expect(verdict).toMatchObject({ code: 'signature_invalid' });
    });

    it('signs a JSON body so the twilio SDK accepts it', () => {
      const own = signRequest(
        verifyConfigSchema.parse({ type: 'twilio', secret: token }),
        Buffer.from(json),
        { nowMs: NOW_MS, url },
      );
      expect(twilioSdk.validateRequestWithBody(token, own['x-twilio-signature']!, url, json)).toBe(
        true,
      );
    });
  });

  it('signs a form body so the twilio SDK accepts it', () => {
    const own = signRequest(
      verifyConfigSchema.parse({ type: 'twilio', secret: token }),
      Buffer.from(FORM),
      { nowMs: NOW_MS, url: PUBLIC_URL },
    );
    expect(twilioSdk.validateRequest(token, own['x-twilio-signature']!, PUBLIC_URL, params)).toBe(
      true,
    );
  });
});
