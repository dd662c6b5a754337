import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { Webhook as FedapayWebhook, WebhookSignature as FedapaySignature } from 'fedapay';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import twilio from 'twilio';
import {
  compileLocation,
  createVerifier,
  parseBody,
  PROVIDERS,
  sampleRequest,
  signRequest,
  verifyConfigSchema,
  type ProviderDefinition,
} from '@hookrelay/verifiers';

export type Headers = Record<string, string>;

/** One webhook as the provider would send it, before signing. */
export interface ProviderEvent {
  readonly body: Buffer;
  /** Content-Type and the provider's non-signature headers (delivery ids, topics…). */
  readonly headers: Headers;
  /** The event id and type hookrelay should read off it (undefined: none). */
  readonly id?: string;
  readonly type?: string;
}

export interface SignInput {
  readonly secret: string;
  readonly event: ProviderEvent;
  readonly timestampS: number;
  /** The URL the provider believes it called (Twilio signs it). */
  readonly url: string;
}

/**
 * What the end-to-end suite needs to know to play one provider against the running relay: built
 * from the provider's catalogue entry (test config, sample, signature and forwarded headers,
 * replay guard), with what only the provider has (its own signing library, real payloads) below.
 */
export interface ProviderCase {
  readonly type: string;
  readonly source: string;
  /** The source's `verify:` as YAML, its secrets given as a list (rotation) where the type allows it. */
  readonly verify: string;
  /** An `event:` block as YAML, for types that have no default id location. */
  readonly event?: string;
  /** Also deliver to an envelope destination (form-encoded providers). */
  readonly envelope?: boolean;
  /** Who signs: the provider's own library, or its documented algorithm where it publishes none. */
  readonly signedBy: string;
  /** Every accepted secret, previous first, current last. */
  readonly secrets: readonly string[];
  readonly wrongSecret?: string;
  /** The public URL the provider is configured with (`verify.url`), when not the relay's own. */
  readonly publicUrl?: string;
  readonly newEvent: (n: number) => ProviderEvent;
  readonly sign: (input: SignInput) => Headers | Promise<Headers>;
  /** Headers whose absence means "not signed" (401). */
  readonly signatureHeaders: readonly string[];
  /** Headers a raw delivery must carry unchanged. */
  readonly forwarded: readonly string[];
  /** Credentials that must not travel on to the backend. */
  readonly withheld?: readonly string[];
  readonly timestamped: boolean;
  /** Changes a value the signature covers; undefined when the scheme does not cover the body. */
  readonly tamper?: (body: Buffer) => Buffer;
  /** The backend re-checks the forwarded signature with the provider's library. */
  readonly reverify?: (
    secret: string,
    body: string,
    headers: IncomingHttpHeaders,
    url: string,
  ) => boolean | Promise<boolean>;
}

export const fixture = (path: string): Buffer =>
  readFileSync(new URL(`../fixtures/${path}`, import.meta.url));

// The package is CommonJS JSON whose typings claim an ES default export, so it is loaded as what it is.
export const githubExamples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples',
) as WebhookDefinition[];

/** A fixture whose event id is made unique, so every test sends an event the relay has not seen. */
function fresh(path: string, id: string, n: number): { body: Buffer; id: string } {
  const text = fixture(path).toString('utf8');
  if (!text.includes(id)) throw new Error(`${path} does not contain ${id}`);
  return { body: Buffer.from(text.replaceAll(id, `${id}${n}`)), id: `${id}${n}` };
}

const replacing = (from: string, to: string) => (body: Buffer) => {
  const text = body.toString('utf8');
  if (!text.includes(from)) throw new Error(`cannot tamper: ${from} not in body`);
  return Buffer.from(text.replace(from, to));
};

const header = (headers: IncomingHttpHeaders, name: string) => String(headers[name] ?? '');
const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };
const formParams = (body: Buffer | string) =>
  Object.fromEntries(new URLSearchParams(body.toString()));

const GITHUB_ISSUE = JSON.stringify(
  githubExamples
    .find((e) => e.name === 'issues')!
    .examples.find((e) => (e as { action?: string }).action === 'opened'),
);
/** The example `issues.opened` payload as the n-th issue: another event has another body. */
const githubIssue = (n: number) =>
  Buffer.from(GITHUB_ISSUE.replace('"id":444500041,', `"id":${444500041 + n},`));
export const TWILIO_PUBLIC_URL = 'https://relay.example.com/hooks/twilio';

/** What only the provider has: its own signing library, real payloads. Anything left out comes from the catalogue. */
interface Own {
  readonly signedBy?: string;
  readonly sign?: ProviderCase['sign'];
  readonly reverify?: ProviderCase['reverify'];
  /** Real payloads (tests/fixtures) rather than the catalogue's sample. */
  readonly newEvent?: ProviderCase['newEvent'];
  readonly tamper?: ProviderCase['tamper'];
  /** Added to the test config's `verify:` block. */
  readonly verify?: Record<string, unknown>;
  readonly publicUrl?: string;
}

const OWN: Readonly<Record<string, Own>> = {
  stripe: {
    signedBy: "the stripe package's generateTestHeaderString",
    newEvent: (n) => ({
      ...fresh('stripe/payment_intent.succeeded.json', 'evt_3QxJ8aLkdIwHu7ix0S2aQXQb', n),
      headers: JSON_TYPE,
      type: 'payment_intent.succeeded',
    }),
    sign: ({ secret, event, timestampS }) => ({
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({
        payload: event.body.toString('utf8'),
        secret,
        timestamp: timestampS,
      }),
    }),
    tamper: replacing('"amount": 15000', '"amount": 1500000'),
    reverify: (secret, body, headers) =>
      Stripe.webhooks.constructEvent(body, header(headers, 'stripe-signature'), secret).type ===
      'payment_intent.succeeded',
  },
  'standard-webhooks': {
    signedBy: 'the standardwebhooks library',
    newEvent: (n) => ({
      body: fixture('standard-webhooks/email.delivered.json'),
      headers: { ...JSON_TYPE, 'webhook-id': `msg_2Lh9KqX0rTzStd${n}` },
      id: `msg_2Lh9KqX0rTzStd${n}`,
      type: 'email.delivered',
    }),
    sign: ({ secret, event, timestampS }) => ({
      'webhook-timestamp': String(timestampS),
      'webhook-signature': new StandardWebhook(secret).sign(
        event.headers['webhook-id']!,
        new Date(timestampS * 1000),
        event.body,
      ),
    }),
    tamper: replacing('delivered@resend.dev', 'attacker@example.com'),
    reverify: (secret, body, headers) =>
      Boolean(new StandardWebhook(secret).verify(body, headers as Headers)),
  },
  svix: {
    signedBy: 'the svix library, under svix-* headers',
    newEvent: (n) => ({
      body: fixture('svix/user.created.json'),
      headers: { ...JSON_TYPE, 'svix-id': `msg_2KWPBgLlAfxdpx2AI54pPJ${n}` },
      id: `msg_2KWPBgLlAfxdpx2AI54pPJ${n}`,
      type: 'user.created',
    }),
    sign: ({ secret, event, timestampS }) => ({
      'svix-timestamp': String(timestampS),
      'svix-signature': new SvixWebhook(secret).sign(
        event.headers['svix-id']!,
        new Date(timestampS * 1000),
        event.body,
      ),
    }),
    tamper: replacing('example@example.org', 'attacker@example.com'),
    reverify: (secret, body, headers) =>
      Boolean(new SvixWebhook(secret).verify(body, headers as Headers)),
  },
  github: {
    signedBy: '@octokit/webhooks-methods',
    newEvent: (n) => {
      const delivery = `72d3162e-cc78-11e3-81ab-${String(n).padStart(12, '0')}`;
      return {
        body: githubIssue(n),
        headers: {
          ...JSON_TYPE,
          'x-github-event': 'issues',
          'x-github-delivery': delivery,
          'x-github-hook-id': '292430182',
        },
        id: delivery,
        type: 'issues',
      };
    },
    sign: async ({ secret, event }) => ({
      'x-hub-signature-256': await octokitSign(secret, event.body.toString('utf8')),
    }),
    tamper: replacing('"action":"opened"', '"action":"deleted"'),
    reverify: (secret, body, headers) =>
      octokitVerify(secret, body, header(headers, 'x-hub-signature-256')),
  },
  shopify: {
    newEvent: (n) => {
      const webhookId = `b54557e4-bdd9-4b37-8a5f-${String(n).padStart(12, '0')}`;
      return {
        body: fresh('shopify/orders-create.json', '820982911946154508', n).body,
        headers: {
          ...JSON_TYPE,
          'x-shopify-topic': 'orders/create',
          'x-shopify-webhook-id': webhookId,
          'x-shopify-event-id': `98880550-7158-44d4-b7cd-${String(n).padStart(12, '0')}`,
          'x-shopify-shop-domain': 'boutique-adjoua.myshopify.com',
          'x-shopify-api-version': '2026-01',
          'x-shopify-triggered-at': '2026-01-15T17:00:00.000000000Z',
        },
        id: webhookId,
        type: 'orders/create',
      };
    },
    tamper: replacing('"total_price": "254.98"', '"total_price": "0.01"'),
  },
  paystack: {
    // Paystack bodies carry no event id: a repeat is recognised by its signed content alone.
    newEvent: (n) => ({
      body: fresh('paystack/charge.success.json', 'qTPrJoy9Bx', n).body,
      headers: JSON_TYPE,
      type: 'charge.success',
    }),
    tamper: replacing('"amount": 10000', '"amount": 1000000'),
  },
  flutterwave: {
    newEvent: (n) => ({
      ...fresh('flutterwave/charge.completed.json', 'wbk_K0kMrTMmlSC3gZCEfSmL', n),
      headers: JSON_TYPE,
      type: 'charge.completed',
    }),
    tamper: replacing('"amount": 5000', '"amount": 500000'),
  },
  wave: {
    newEvent: (n) => ({
      ...fresh('wave/checkout.session.completed.json', 'EV_QvEZuDSQbLdI', n),
      headers: JSON_TYPE,
      type: 'checkout.session.completed',
    }),
    tamper: replacing('"amount": "1000"', '"amount": "100000"'),
  },
  fedapay: {
    signedBy: "the fedapay SDK's Webhook.generateTestHeaderString",
    newEvent: (n) => ({
      body: fresh('fedapay/transaction.approved.json', '"id": 4021', n).body,
      headers: JSON_TYPE,
      id: `4021${n}`,
      type: 'transaction.approved',
    }),
    sign: ({ secret, event, timestampS }) => ({
      'x-fedapay-signature': FedapayWebhook.generateTestHeaderString({
        payload: event.body.toString('utf8'),
        secret,
        timestamp: timestampS,
      }),
    }),
    tamper: replacing('"amount": 2500', '"amount": 250000'),
    reverify: (secret, body, headers) =>
      FedapaySignature.verifyHeader(body, header(headers, 'x-fedapay-signature'), secret, 300),
  },
  cinetpay: {
    newEvent: (n) => ({
      ...fresh('cinetpay/payment.form', 'CMD-2026-000123', n),
      headers: FORM_TYPE,
    }),
    tamper: replacing('cpm_amount=1000&', 'cpm_amount=100000&'),
  },
  twilio: {
    signedBy: "the twilio SDK's getExpectedTwilioSignature over the configured public URL",
    verify: { url: TWILIO_PUBLIC_URL },
    publicUrl: TWILIO_PUBLIC_URL,
    newEvent: (n) => {
      const token = `a2f1c3b0-idem-${n}`;
      return {
        body: fresh('twilio/incoming-sms.form', 'SM1f0e8ae6ade43cb3c0ce4525424e404f', n).body,
        headers: { ...FORM_TYPE, 'i-twilio-idempotency-token': token },
        id: token,
      };
    },
    sign: ({ secret, event, url }) => ({
      'x-twilio-signature': twilio.getExpectedTwilioSignature(secret, url, formParams(event.body)),
    }),
    tamper: replacing('Body=Bonjour', 'Body=Virement'),
    reverify: (secret, body, headers, url) =>
      twilio.validateRequest(secret, header(headers, 'x-twilio-signature'), url, formParams(body)),
  },
};

/** A fresh catalogue sample, with the event id and type the provider's locations read off it. */
function sampleEvents(name: string, provider: ProviderDefinition): ProviderCase['newEvent'] {
  const locations = provider.event ?? provider.sample?.event ?? {};
  const read = (location: string | undefined, made: ReturnType<typeof sampleRequest>) =>
    location
      ? compileLocation(location)({
          headers: made.headers,
          body: () => parseBody(made.body, provider.bodyFormat ?? 'json'),
        })
      : undefined;
  return () => {
    const made = sampleRequest(name);
    return {
      body: made.body,
      headers: { 'content-type': made.contentType, ...made.headers },
      id: read(locations.id, made),
      type: read(locations.type, made),
    };
  };
}

/** A change the signature covers, for providers with no fixture of their own. */
const appendSpace = (body: Buffer) => Buffer.concat([body, Buffer.from(' ')]);

function caseOf(name: string, provider: ProviderDefinition): ProviderCase {
  const own = OWN[name] ?? {};
  const { testConfig, sample } = provider;
  const verifyWith = (secrets: readonly string[]) => ({
    ...testConfig.verify(secrets),
    type: name,
    ...own.verify,
  });
  const verifier = createVerifier(verifyConfigSchema.parse(verifyWith(testConfig.secrets)));
  return {
    type: name,
    source: name,
    verify: JSON.stringify(verifyWith(testConfig.secrets)),
    event: provider.event || !sample?.event ? undefined : JSON.stringify(sample.event),
    envelope: provider.bodyFormat === 'form',
    signedBy:
      own.signedBy ??
      (provider.replayGuard === 'none'
        ? `hookrelay’s own signer (${verifier.signatureHeaders.join(', ') || 'no'} credential)`
        : 'hookrelay’s own signer (the unit contract checks it against the documented algorithm)'),
    secrets: testConfig.secrets,
    wrongSecret: testConfig.wrongSecret,
    publicUrl: own.publicUrl,
    newEvent: own.newEvent ?? sampleEvents(name, provider),
    sign:
      own.sign ??
      (({ secret, event, timestampS, url }) =>
        signRequest(verifyConfigSchema.parse(verifyWith([secret])), event.body, {
          nowMs: timestampS * 1000,
          url,
        })),
    signatureHeaders: verifier.signatureHeaders,
    forwarded: verifier.forwardHeaders,
    // A credential that signs nothing must not travel on; a signature must, so the backend can re-verify.
    withheld: provider.replayGuard === 'none' ? verifier.signatureHeaders : [],
    timestamped: provider.replayGuard === 'timestamp',
    tamper: own.tamper ?? (provider.replayGuard === 'none' ? undefined : appendSpace),
    reverify: own.reverify,
  };
}

/** Every verify type (and alias) of the catalogue that hookrelay can sign for: all but PayPal, whose key only PayPal's CA vouches for. */
export const CASES: readonly ProviderCase[] = PROVIDERS.filter((provider) => provider.sign).flatMap(
  (provider) => [provider.type, ...(provider.aliases ?? [])].map((name) => caseOf(name, provider)),
);

export const caseFor = (type: string): ProviderCase => CASES.find((c) => c.type === type)!;
