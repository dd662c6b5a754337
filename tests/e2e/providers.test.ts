import { createHash, generateKeyPairSync } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { verify as octokitVerify, sign as octokitSign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { listen, type Listening } from '@hookrelay/testing';
import { PROVIDERS, providerFor, signPaypalTransmission, valueAt } from '@hookrelay/verifiers';
import { post, startRelay, type Relay } from './harness.js';
import {
  CASES,
  caseFor,
  fixture,
  githubExamples,
  TWILIO_PUBLIC_URL,
  type ProviderCase,
} from './provider-cases.js';
import {
  backendPath,
  deliveryOf,
  expectRejected,
  jobsOf,
  nowS,
  rejectionsOf,
  sendSigned,
  sourceYaml,
} from './provider-relay.js';

const PAYPAL_WEBHOOK_IDS = ['WH-PREVIOUS-1A2B3C4D', '9XL90610J3647323C'];
const TWILIO_DEFAULT_TOKEN = 'd3f4ultT0ken0000000000000000000a';

const YAML = `
defaults: { retry: { attempts: 2, delay: 50ms, maxDelay: 100ms } }
sources:
${CASES.map(sourceYaml).join('')}
  cinetpay-by-transaction:
    verify: { type: cinetpay, secret: "cinetpay-current-secret-key" }
    dedupe: { content: false }
    destination: { url: "\${BACKEND_URL}${backendPath('cinetpay-by-transaction')}" }
  twilio-default-url:
    verify: { type: twilio, secret: "${TWILIO_DEFAULT_TOKEN}" }
    destination: { url: "\${BACKEND_URL}${backendPath('twilio-default-url')}" }
  paypal:
    verify: { type: paypal, webhookId: ${JSON.stringify(PAYPAL_WEBHOOK_IDS)} }
    destination: { url: "\${BACKEND_URL}${backendPath('paypal')}" }
`;

describe('every provider through the running ingress, Redis and worker', () => {
  let relay: Relay;
  let sequence = 0;
  const next = () => ++sequence;

  beforeAll(async () => {
    relay = await startRelay({ yaml: YAML });
  });
  afterAll(() => relay?.close());

  it('plays every verify type and alias of the catalogue but those hookrelay cannot sign (PayPal)', () => {
    const known = PROVIDERS.flatMap((provider) => [provider.type, ...(provider.aliases ?? [])]);
    const played = CASES.map((c) => c.type);
    expect(known.filter((type) => !played.includes(type))).toEqual(['paypal']);
    expect(providerFor('paypal').sign).toBeUndefined();
  });

  for (const c of CASES) {
    describe(`a ${c.type} webhook`, () => {
      const current = c.secrets.at(-1)!;
      const raw = backendPath(c.source);

      it(`signed by ${c.signedBy} is accepted 202 and delivered byte for byte with its provider headers`, async () => {
        const event = c.newEvent(next());
        const { answer, headers, url } = await sendSigned(relay, c, event);
        expect(answer.status).toBe(202);
        expect(answer.body).toEqual({ received: true, id: expect.stringMatching(/^evt_/) });
        const id = answer.body!.id as string;

        const delivery = await deliveryOf(relay, raw, id);
        expect(Buffer.from(delivery.body)).toEqual(event.body);
        expect(delivery.headers['content-type']).toBe(event.headers['content-type']);
        for (const name of c.forwarded) expect(delivery.headers[name], name).toBe(headers[name]);
        for (const name of c.withheld ?? []) expect(delivery.headers[name], name).toBeUndefined();
        // A signature travels on, so the backend can re-verify it; a bare credential does not.
        for (const name of c.signatureHeaders.filter((n) => headers[n] !== undefined)) {
          const withheld = c.withheld?.includes(name) ?? false;
          expect(delivery.headers[name], name).toBe(withheld ? undefined : headers[name]);
        }
        expect(delivery.headers['x-hookrelay-event-type']).toBe(event.type);
        if (c.reverify)
          expect(await c.reverify(current, delivery.body, delivery.headers, url)).toBe(true);

        const job = await relay.queue(c.source, 'raw').getJob(id);
        expect({ id: job?.data.eventId, type: job?.data.eventType }).toEqual({
          id: event.id,
          type: event.type,
        });
      });

      if (c.secrets.length > 1) {
        it('is accepted with the previous and the current secret of a YAML list while the key is rotated', async () => {
          for (const secret of c.secrets) {
            const { answer } = await sendSigned(relay, c, c.newEvent(next()), { secret });
            expect(answer.status, secret).toBe(202);
          }
        });
      }

      const rejections = rejectionsOf(c);
      if (rejections.length > 0) {
        it.each(rejections)(
          'is rejected %i %s when %s, and nothing is enqueued',
          async (status, code, _when, change) => {
            const event = c.newEvent(next());
            const send = () => sendSigned(relay, c, event, change(event));
            await expectRejected(relay, c.source, send, status, code);
          },
        );
      }

      it('sent twice is answered 200 duplicate with the first id and delivered once', async () => {
        const event = c.newEvent(next());
        const before = await jobsOf(relay, c.source);
        const first = await sendSigned(relay, c, event);
        const again = await sendSigned(relay, c, event); // re-signed, as a provider's retry is
        expect(first.answer.status).toBe(202);
        const id = first.answer.body!.id as string;
        expect(again.answer).toMatchObject({
          status: 200,
          body: { received: true, id, duplicate: true },
        });
        await deliveryOf(relay, raw, id);
        const destinations = c.envelope ? 2 : 1;
        expect(await jobsOf(relay, c.source)).toBe(before + destinations);
        expect(relay.backend.store.list({ path: raw, id })).toHaveLength(1);
      });
    });
  }

  describe('real provider payloads', () => {
    const github = caseFor('github');
    const stripe = caseFor('stripe');

    it.each(['ping', 'push', 'pull_request', 'issues', 'release', 'workflow_run'])(
      'a GitHub %s payload from @octokit/webhooks-examples arrives byte for byte with X-Hub-Signature-256 and its event headers',
      async (name) => {
        const body = Buffer.from(
          JSON.stringify(githubExamples.find((e) => e.name === name)!.examples[0]),
        );
        const secret = github.secrets.at(-1)!;
        const headers = {
          'x-github-event': name,
          'x-github-delivery': `9c2d1e40-f1a2-11ef-8b7c-${String(next()).padStart(12, '0')}`,
          'x-hub-signature-256': await octokitSign(secret, body.toString('utf8')),
        };
        const answer = await post(relay, '/webhooks/github', body, headers);
        expect(answer.status).toBe(202);
        const delivery = await deliveryOf(relay, backendPath('github'), answer.body!.id as string);
        expect(Buffer.from(delivery.body)).toEqual(body);
        expect(delivery.headers).toMatchObject({ ...headers, 'x-hookrelay-event-type': name });
        expect(await octokitVerify(secret, delivery.body, headers['x-hub-signature-256'])).toBe(
          true,
        );
      },
    );

    const stripeFixtures = readdirSync(new URL('../fixtures/stripe/', import.meta.url)).filter(
      (f) => f.endsWith('.json'),
    );

    it('has Stripe events of several distinct types, each an event object named after its type', () => {
      const events = stripeFixtures.map(
        (file) => [file, JSON.parse(fixture(`stripe/${file}`).toString('utf8'))] as const,
      );
      const types = events.map(([, event]) => valueAt(event, ['type']));
      expect(new Set(types).size).toBe(events.length);
      expect(events.length).toBeGreaterThanOrEqual(5);
      const data = providerFor('stripe').event!.data!.split('.').slice(1);
      for (const [file, event] of events) {
        expect(event, file).toMatchObject({
          object: 'event',
          id: expect.stringMatching(/^evt_/),
          type: file.replace(/\.json$/, ''),
        });
        // What an envelope delivers as `data`: the Stripe object the event is about.
        expect(valueAt(event, data), file).toMatchObject({ object: expect.any(String) });
      }
    });

    it.each(stripeFixtures)(
      'the Stripe event %s arrives byte for byte with a Stripe-Signature the backend re-verifies',
      async (file) => {
        const body = fixture(`stripe/${file}`);
        const secret = stripe.secrets.at(-1)!;
        const signature = Stripe.webhooks.generateTestHeaderString({
          payload: body.toString('utf8'),
          secret,
          timestamp: nowS(),
        });
        const answer = await post(relay, '/webhooks/stripe', body, {
          'stripe-signature': signature,
        });
        expect(answer.status).toBe(202);
        const delivery = await deliveryOf(relay, backendPath('stripe'), answer.body!.id as string);
        expect(Buffer.from(delivery.body)).toEqual(body);
        expect(delivery.headers['stripe-signature']).toBe(signature);
        const event = Stripe.webhooks.constructEvent(delivery.body, signature, secret);
        expect(`${event.type}.json`).toBe(file);
        expect(delivery.headers['x-hookrelay-event-type']).toBe(event.type);
      },
    );
  });

  describe('form-encoded providers', () => {
    it.each([
      ['CinetPay', caseFor('cinetpay')],
      ['Twilio', caseFor('twilio')],
    ] as [string, ProviderCase][])(
      'a %s form arrives raw byte for byte and as an envelope whose data is the decoded form',
      async (_name, c) => {
        const event = c.newEvent(next());
        const { answer } = await sendSigned(relay, c, event);
        expect(answer.status).toBe(202);
        const id = answer.body!.id as string;
        const rawDelivery = await deliveryOf(relay, backendPath(c.source), id);
        expect(Buffer.from(rawDelivery.body)).toEqual(event.body);
        expect(rawDelivery.headers['content-type']).toBe('application/x-www-form-urlencoded');

        const enveloped = await deliveryOf(relay, `${backendPath(c.source)}/envelope`, id);
        expect(enveloped.headers['content-type']).toBe('application/json');
        expect(JSON.parse(enveloped.body)).toEqual({
          id,
          source: c.source,
          event_type: null,
          event_id: event.id,
          received_at: expect.any(String),
          data: Object.fromEntries(new URLSearchParams(event.body.toString('utf8'))),
        });
      },
    );

    it('de-duplicates CinetPay on its signed fields: a status update of a transaction is delivered, a retry is a duplicate, and with content de-duplication off cpm_trans_id decides', async () => {
      const c = caseFor('cinetpay');
      const succeeded = c.newEvent(next());
      const text = succeeded.body.toString('utf8');
      const waiting = {
        ...succeeded,
        body: Buffer.from(
          text.replace('cpm_error_message=SUCCES', 'cpm_error_message=WAITING_CUSTOMER_PAYMENT'),
        ),
      };
      // The token covers the notified fields: a retry repeats it, a status update changes it.
      expect((await sendSigned(relay, c, waiting)).answer.status).toBe(202);
      expect((await sendSigned(relay, c, succeeded)).answer.status).toBe(202);
      expect((await sendSigned(relay, c, succeeded)).answer).toMatchObject({
        status: 200,
        body: { duplicate: true },
      });

      const byTransaction = { ...c, source: 'cinetpay-by-transaction' };
      expect((await sendSigned(relay, byTransaction, waiting)).answer.status).toBe(202);
      expect((await sendSigned(relay, byTransaction, succeeded)).answer).toMatchObject({
        status: 200,
        body: { duplicate: true },
      });
    });
  });

  describe('Twilio URLs', () => {
    const c = caseFor('twilio');
    const token = c.secrets.at(-1)!;

    it('checks against the configured verify.url, not the URL the request reached behind the proxy', async () => {
      const event = c.newEvent(next());
      const local = `${relay.ingress.url}/webhooks/twilio`;
      const signature = twilio.getExpectedTwilioSignature(
        token,
        local,
        Object.fromEntries(new URLSearchParams(event.body.toString())),
      );
      await expectRejected(
        relay,
        'twilio',
        () =>
          post(relay, '/webhooks/twilio', event.body, {
            ...event.headers,
            'x-twilio-signature': signature,
          }),
        400,
        'signature_invalid',
      );
    });

    it('rebuilds the signed URL from the request when verify.url is not set', async () => {
      const event = c.newEvent(next());
      const params = Object.fromEntries(new URLSearchParams(event.body.toString()));
      const local = `${relay.ingress.url}/webhooks/twilio-default-url?tenant=acme`;
      const signature = twilio.getExpectedTwilioSignature(TWILIO_DEFAULT_TOKEN, local, params);
      const answer = await post(relay, '/webhooks/twilio-default-url?tenant=acme', event.body, {
        ...event.headers,
        'x-twilio-signature': signature,
      });
      expect(answer.status).toBe(202);
      const delivery = await deliveryOf(
        relay,
        backendPath('twilio-default-url'),
        answer.body!.id as string,
      );
      expect(Buffer.from(delivery.body)).toEqual(event.body);

      const publicSignature = twilio.getExpectedTwilioSignature(
        TWILIO_DEFAULT_TOKEN,
        `${TWILIO_PUBLIC_URL}?tenant=acme`,
        params,
      );
      const refused = await post(relay, '/webhooks/twilio-default-url?tenant=acme', event.body, {
        ...event.headers,
        'x-twilio-signature': publicSignature,
      });
      expect(refused.status).toBe(400);
    });

    it('accepts a JSON body signed through the bodySHA256 query parameter and delivers it byte for byte', async () => {
      const body = Buffer.from(
        JSON.stringify({
          ParentAccountSid: 'AC00000000000000000000000000000000',
          Payload: { status: 'completed' },
        }),
      );
      const query = `?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
      const signature = twilio.getExpectedTwilioSignature(
        token,
        `${TWILIO_PUBLIC_URL}${query}`,
        {},
      );
      expect(
        twilio.validateRequestWithBody(
          token,
          signature,
          `${TWILIO_PUBLIC_URL}${query}`,
          body.toString(),
        ),
      ).toBe(true);
      const headers = {
        'content-type': 'application/json',
        'x-twilio-signature': signature,
        'i-twilio-idempotency-token': `json-${next()}`,
      };
      const answer = await post(relay, `/webhooks/twilio${query}`, body, headers);
      expect(answer.status).toBe(202);
      const delivery = await deliveryOf(relay, backendPath('twilio'), answer.body!.id as string);
      expect(Buffer.from(delivery.body)).toEqual(body);
      expect(delivery.headers['x-twilio-signature']).toBe(signature);

      const tampered = await post(
        relay,
        `/webhooks/twilio${query}`,
        body.toString().replace('completed', 'failed'),
        headers,
      );
      expect(tampered.status).toBe(400);
    });
  });

  describe('a Flutterwave v3 notification', () => {
    const c = caseFor('flutterwave');
    const body = fixture('flutterwave/charge.completed.v3.json');
    const [previous, current] = c.secrets as [string, string];

    it('is accepted when verif-hash equals the secret hash, delivered with it, its id and type read from the v3 body', async () => {
      const answer = await post(relay, '/webhooks/flutterwave', body, { 'verif-hash': previous });
      expect(answer.status).toBe(202);
      const id = answer.body!.id as string;
      const delivery = await deliveryOf(relay, backendPath('flutterwave'), id);
      expect(Buffer.from(delivery.body)).toEqual(body);
      expect(delivery.headers['verif-hash']).toBe(previous);
      expect(delivery.headers['x-hookrelay-event-type']).toBe('charge.completed');
      const job = await relay.queue('flutterwave', 'raw').getJob(id);
      expect(job?.data.eventId).toBe('285959875');

      const again = await post(relay, '/webhooks/flutterwave', body, { 'verif-hash': current });
      expect(again).toMatchObject({ status: 200, body: { id, duplicate: true } });
    });

    it('is rejected 400 signature_invalid when verif-hash is not the secret hash', async () => {
      await expectRejected(
        relay,
        'flutterwave',
        () => post(relay, '/webhooks/flutterwave', body, { 'verif-hash': c.wrongSecret! }),
        400,
        'signature_invalid',
      );
    });
  });

  describe('a PayPal webhook', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const body = fixture('paypal/payment.capture.completed.json');
    const certRequests: string[] = [];
    let certServer: Listening;
    let fetchSpy: MockInstance<typeof fetch>;

    beforeAll(async () => {
      certServer = await listen(
        createServer((request, response) => {
          certRequests.push(request.url ?? '');
          response.end('-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
        }),
      );
      fetchSpy = vi.spyOn(globalThis, 'fetch');
    });
    afterAll(async () => {
      fetchSpy?.mockRestore();
      await certServer?.close();
    });

    /** URLs this process fetched other than the test's own POSTs to the ingress: certificate downloads. */
    const fetchedElsewhere = () =>
      fetchSpy.mock.calls
        .map(([input]) => (input instanceof Request ? input.url : String(input)))
        .filter((url) => !url.startsWith(relay.ingress.url));

    const send = (certUrl: string, nowMs = Date.now()) =>
      post(
        relay,
        '/webhooks/paypal',
        body,
        signPaypalTransmission({
          privateKey,
          certUrl,
          webhookId: PAYPAL_WEBHOOK_IDS[1]!,
          body,
          nowMs,
        }),
      );

    it('is rejected 401 signature_missing without its PAYPAL-TRANSMISSION headers, and nothing is enqueued', async () => {
      await expectRejected(
        relay,
        'paypal',
        () => post(relay, '/webhooks/paypal', body),
        401,
        'signature_missing',
      );
    });

    it.each([
      ['plain http on loopback', (port: number) => `http://127.0.0.1:${port}/cert.pem`],
      [
        'https on loopback with the PayPal certificate path',
        (port: number) => `https://127.0.0.1:${port}/v1/notifications/certs/CERT-1`,
      ],
      [
        'a PayPal host name as user info before loopback',
        (port: number) => `https://api.paypal.com@127.0.0.1:${port}/v1/notifications/certs/CERT-1`,
      ],
      [
        'a PayPal host on a non-default port',
        (port: number) => `https://api.paypal.com:${port}/v1/notifications/certs/CERT-1`,
      ],
    ])(
      'is rejected 400 signature_invalid when PAYPAL-CERT-URL is %s, and no request leaves for it',
      async (_case, certUrl) => {
        await expectRejected(
          relay,
          'paypal',
          () => send(certUrl(certServer.port)),
          400,
          'signature_invalid',
        );
        expect(certRequests).toEqual([]);
        expect(fetchedElsewhere()).toEqual([]);
      },
    );

    it.each([
      ['ten minutes old', -600_000],
      ['ten minutes in the future', 600_000],
    ])(
      'is rejected 400 timestamp_out_of_tolerance when its transmission time is %s, before any certificate is fetched',
      async (_when, skew) => {
        const certUrl =
          'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77';
        await expectRejected(
          relay,
          'paypal',
          () => send(certUrl, Date.now() + skew),
          400,
          'timestamp_out_of_tolerance',
        );
        expect(fetchedElsewhere()).toEqual([]);
      },
    );
  });
});
