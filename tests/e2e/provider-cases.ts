import { createHmac } from 'node:crypto';
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

/** What the end-to-end suite needs to know to play one provider against the running relay. */
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

const mac = (
  algorithm: string,
  secret: string,
  data: string | Buffer,
  encoding: 'hex' | 'base64',
) => createHmac(algorithm, secret).update(data).digest(encoding);

const header = (headers: IncomingHttpHeaders, name: string) => String(headers[name] ?? '');
const yamlList = (values: readonly string[]) => JSON.stringify(values);
const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };

function generic(n: number): ProviderEvent {
  const { body, id } = fresh('generic/payment.succeeded.json', 'TX-2026-000789', n);
  return { body, headers: JSON_TYPE, id, type: 'payment.succeeded' };
}
const GENERIC_EVENT = '{ id: body.transaction_id, type: body.event }';
const GENERIC_TAMPER = replacing('"amount": 15000', '"amount": 1500000');

/** The string CinetPay's documentation signs (PHP `hash_hmac('SHA256', $data, $secretKey)` over these fields). */
export function cinetpayToken(secret: string, body: Buffer): string {
  const form = new URLSearchParams(body.toString('utf8'));
  const fields = [
    'cpm_site_id',
    'cpm_trans_id',
    'cpm_trans_date',
    'cpm_amount',
    'cpm_currency',
    'signature',
    'payment_method',
    'cel_phone_num',
    'cpm_phone_prefixe',
    'cpm_language',
    'cpm_version',
    'cpm_payment_config',
    'cpm_page_action',
    'cpm_custom',
    'cpm_designation',
    'cpm_error_message',
  ];
  return mac('sha256', secret, fields.map((field) => form.get(field) ?? '').join(''), 'hex');
}

const formParams = (body: Buffer | string) =>
  Object.fromEntries(new URLSearchParams(body.toString()));

const STANDARD_SECRETS = [
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
];
const STANDARD_WRONG = 'whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCEh';
const GITHUB_ISSUE = JSON.stringify(
  githubExamples
    .find((e) => e.name === 'issues')!
    .examples.find((e) => (e as { action?: string }).action === 'opened'),
);
/** The example `issues.opened` payload as the n-th issue: another event has another body. */
const githubIssue = (n: number) =>
  Buffer.from(GITHUB_ISSUE.replace('"id":444500041,', `"id":${444500041 + n},`));
export const TWILIO_PUBLIC_URL = 'https://relay.example.com/hooks/twilio';

const secrets = {
  token: ['Bearer tok_previous_5d1c0f', 'Bearer tok_current_9a2e7b'],
  hmac: ['hmac-previous-secret', 'hmac-current-secret'],
  stripe: ['whsec_stripe_previous_rotated_out', 'whsec_stripe_current_2026'],
  github: ['github-previous-secret', 'github-current-secret'],
  shopify: ['shpss_previous_0f1e2d', 'shpss_current_3c4b5a'],
  paystack: ['sk_test_previous_1a2b', 'sk_test_current_3c4d'],
  flutterwave: ['flw-previous-secret-hash', 'flw-current-secret-hash'],
  wave: ['wave_sn_WHS_previous', 'wave_sn_WHS_current'],
  fedapay: ['wh_sandbox_previous', 'wh_sandbox_current'],
  cinetpay: ['cinetpay-previous-secret-key', 'cinetpay-current-secret-key'],
  twilio: ['0ld4uthT0ken00000000000000000000', 'n3w4uthT0ken00000000000000000000'],
};

/** Every verify type (and alias) of the catalogue but PayPal, whose signing key only PayPal's CA can vouch for. */
export const CASES: readonly ProviderCase[] = [
  {
    type: 'none',
    source: 'none',
    verify: '{ type: none }',
    event: GENERIC_EVENT,
    signedBy: 'nobody (no verification)',
    secrets: [],
    newEvent: generic,
    sign: () => ({}),
    signatureHeaders: [],
    forwarded: [],
    timestamped: false,
  },
  {
    type: 'token',
    source: 'token',
    verify: `{ type: token, header: authorization, value: ${yamlList(secrets.token)} }`,
    event: GENERIC_EVENT,
    signedBy: 'a static Authorization header',
    secrets: secrets.token,
    wrongSecret: 'Bearer tok_wrong_000000',
    newEvent: generic,
    sign: ({ secret }) => ({ authorization: secret }),
    signatureHeaders: ['authorization'],
    forwarded: [],
    withheld: ['authorization'],
    timestamped: false,
  },
  {
    type: 'basic',
    source: 'basic',
    verify: '{ type: basic, username: gateway, password: "b4sic-pa55-current" }',
    event: GENERIC_EVENT,
    signedBy: 'HTTP Basic credentials',
    secrets: ['b4sic-pa55-current'],
    wrongSecret: 'not-the-password',
    newEvent: generic,
    sign: ({ secret }) => ({
      authorization: `Basic ${Buffer.from(`gateway:${secret}`).toString('base64')}`,
    }),
    signatureHeaders: ['authorization'],
    forwarded: [],
    withheld: ['authorization'],
    timestamped: false,
  },
  {
    type: 'hmac',
    source: 'hmac',
    verify: `{ type: hmac, header: x-signature, algorithm: sha512, encoding: base64, prefix: "sha512=", secret: ${yamlList(secrets.hmac)} }`,
    event: GENERIC_EVENT,
    signedBy: 'node:crypto (sha512, base64, prefixed)',
    secrets: secrets.hmac,
    wrongSecret: 'hmac-wrong-secret',
    newEvent: generic,
    sign: ({ secret, event }) => ({
      'x-signature': `sha512=${mac('sha512', secret, event.body, 'base64')}`,
    }),
    signatureHeaders: ['x-signature'],
    forwarded: ['x-signature'],
    timestamped: false,
    tamper: GENERIC_TAMPER,
  },
  {
    type: 'stripe',
    source: 'stripe',
    verify: `{ type: stripe, secret: ${yamlList(secrets.stripe)} }`,
    signedBy: "the stripe package's generateTestHeaderString",
    secrets: secrets.stripe,
    wrongSecret: 'whsec_not_the_stripe_secret',
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
    signatureHeaders: ['stripe-signature'],
    forwarded: ['stripe-signature'],
    timestamped: true,
    tamper: replacing('"amount": 15000', '"amount": 1500000'),
    reverify: (secret, body, headers) =>
      Stripe.webhooks.constructEvent(body, header(headers, 'stripe-signature'), secret).type ===
      'payment_intent.succeeded',
  },
  {
    type: 'standard-webhooks',
    source: 'standard-webhooks',
    verify: `{ type: standard-webhooks, secret: ${yamlList(STANDARD_SECRETS)} }`,
    signedBy: 'the standardwebhooks library',
    secrets: STANDARD_SECRETS,
    wrongSecret: STANDARD_WRONG,
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
    signatureHeaders: ['webhook-signature'],
    forwarded: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    timestamped: true,
    tamper: replacing('delivered@resend.dev', 'attacker@example.com'),
    reverify: (secret, body, headers) =>
      Boolean(new StandardWebhook(secret).verify(body, headers as Headers)),
  },
  {
    type: 'svix',
    source: 'svix',
    verify: `{ type: svix, secret: ${yamlList(STANDARD_SECRETS)} }`,
    signedBy: 'the svix library, under svix-* headers',
    secrets: STANDARD_SECRETS,
    wrongSecret: STANDARD_WRONG,
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
    signatureHeaders: ['svix-signature'],
    forwarded: ['svix-id', 'svix-timestamp', 'svix-signature'],
    timestamped: true,
    tamper: replacing('example@example.org', 'attacker@example.com'),
    reverify: (secret, body, headers) =>
      Boolean(new SvixWebhook(secret).verify(body, headers as Headers)),
  },
  {
    type: 'github',
    source: 'github',
    verify: `{ type: github, secret: ${yamlList(secrets.github)} }`,
    signedBy: '@octokit/webhooks-methods',
    secrets: secrets.github,
    wrongSecret: 'not-the-github-secret',
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
    signatureHeaders: ['x-hub-signature-256'],
    forwarded: ['x-hub-signature-256', 'x-github-event', 'x-github-delivery', 'x-github-hook-id'],
    timestamped: false,
    tamper: replacing('"action":"opened"', '"action":"deleted"'),
    reverify: (secret, body, headers) =>
      octokitVerify(secret, body, header(headers, 'x-hub-signature-256')),
  },
  {
    type: 'shopify',
    source: 'shopify',
    verify: `{ type: shopify, secret: ${yamlList(secrets.shopify)} }`,
    signedBy: "Shopify's documented algorithm (base64 HMAC-SHA256 of the body)",
    secrets: secrets.shopify,
    wrongSecret: 'shpss_wrong',
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
    sign: ({ secret, event }) => ({
      'x-shopify-hmac-sha256': mac('sha256', secret, event.body, 'base64'),
    }),
    signatureHeaders: ['x-shopify-hmac-sha256'],
    forwarded: [
      'x-shopify-hmac-sha256',
      'x-shopify-topic',
      'x-shopify-webhook-id',
      'x-shopify-event-id',
      'x-shopify-shop-domain',
      'x-shopify-api-version',
    ],
    timestamped: false,
    tamper: replacing('"total_price": "254.98"', '"total_price": "0.01"'),
  },
  {
    type: 'paystack',
    source: 'paystack',
    verify: `{ type: paystack, secret: ${yamlList(secrets.paystack)} }`,
    signedBy: "Paystack's documented algorithm (hex HMAC-SHA512 of the body)",
    secrets: secrets.paystack,
    wrongSecret: 'sk_test_wrong',
    // Paystack bodies carry no event id: a repeat is recognised by its signed content alone.
    newEvent: (n) => ({
      body: fresh('paystack/charge.success.json', 'qTPrJoy9Bx', n).body,
      headers: JSON_TYPE,
      type: 'charge.success',
    }),
    sign: ({ secret, event }) => ({
      'x-paystack-signature': mac('sha512', secret, event.body, 'hex'),
    }),
    signatureHeaders: ['x-paystack-signature'],
    forwarded: ['x-paystack-signature'],
    timestamped: false,
    tamper: replacing('"amount": 10000', '"amount": 1000000'),
  },
  {
    type: 'flutterwave',
    source: 'flutterwave',
    verify: `{ type: flutterwave, secret: ${yamlList(secrets.flutterwave)} }`,
    signedBy: "Flutterwave's documented v4 algorithm (base64 HMAC-SHA256 of the body)",
    secrets: secrets.flutterwave,
    wrongSecret: 'flw-wrong-secret-hash',
    newEvent: (n) => ({
      ...fresh('flutterwave/charge.completed.json', 'wbk_K0kMrTMmlSC3gZCEfSmL', n),
      headers: JSON_TYPE,
      type: 'charge.completed',
    }),
    sign: ({ secret, event }) => ({
      'flutterwave-signature': mac('sha256', secret, event.body, 'base64'),
    }),
    signatureHeaders: ['flutterwave-signature'],
    forwarded: ['flutterwave-signature'],
    timestamped: false,
    tamper: replacing('"amount": 5000', '"amount": 500000'),
  },
  {
    type: 'wave',
    source: 'wave',
    verify: `{ type: wave, secret: ${yamlList(secrets.wave)} }`,
    signedBy: "Wave's documented algorithm (hex HMAC-SHA256 of timestamp + body)",
    secrets: secrets.wave,
    wrongSecret: 'wave_sn_WHS_wrong',
    newEvent: (n) => ({
      ...fresh('wave/checkout.session.completed.json', 'EV_QvEZuDSQbLdI', n),
      headers: JSON_TYPE,
      type: 'checkout.session.completed',
    }),
    sign: ({ secret, event, timestampS }) => ({
      'wave-signature': `t=${timestampS},v1=${mac('sha256', secret, Buffer.concat([Buffer.from(String(timestampS)), event.body]), 'hex')}`,
    }),
    signatureHeaders: ['wave-signature'],
    forwarded: ['wave-signature'],
    timestamped: true,
    tamper: replacing('"amount": "1000"', '"amount": "100000"'),
  },
  {
    type: 'fedapay',
    source: 'fedapay',
    verify: `{ type: fedapay, secret: ${yamlList(secrets.fedapay)} }`,
    signedBy: "the fedapay SDK's Webhook.generateTestHeaderString",
    secrets: secrets.fedapay,
    wrongSecret: 'wh_sandbox_wrong',
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
    signatureHeaders: ['x-fedapay-signature'],
    forwarded: ['x-fedapay-signature'],
    timestamped: true,
    tamper: replacing('"amount": 2500', '"amount": 250000'),
    reverify: (secret, body, headers) =>
      FedapaySignature.verifyHeader(body, header(headers, 'x-fedapay-signature'), secret, 300),
  },
  {
    type: 'cinetpay',
    source: 'cinetpay',
    verify: `{ type: cinetpay, secret: ${yamlList(secrets.cinetpay)} }`,
    envelope: true,
    signedBy: "CinetPay's documented x-token (hex HMAC-SHA256 of the listed form fields)",
    secrets: secrets.cinetpay,
    wrongSecret: 'cinetpay-wrong-secret-key',
    newEvent: (n) => ({
      ...fresh('cinetpay/payment.form', 'CMD-2026-000123', n),
      headers: FORM_TYPE,
    }),
    sign: ({ secret, event }) => ({ 'x-token': cinetpayToken(secret, event.body) }),
    signatureHeaders: ['x-token'],
    forwarded: ['x-token'],
    timestamped: false,
    tamper: replacing('cpm_amount=1000&', 'cpm_amount=100000&'),
  },
  {
    type: 'twilio',
    source: 'twilio',
    verify: `{ type: twilio, secret: ${yamlList(secrets.twilio)}, url: "${TWILIO_PUBLIC_URL}" }`,
    envelope: true,
    signedBy: "the twilio SDK's getExpectedTwilioSignature over the configured public URL",
    secrets: secrets.twilio,
    wrongSecret: 'wr0ng4uthT0ken000000000000000000',
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
    signatureHeaders: ['x-twilio-signature'],
    forwarded: ['x-twilio-signature', 'i-twilio-idempotency-token'],
    timestamped: false,
    tamper: replacing('Body=Bonjour', 'Body=Virement'),
    reverify: (secret, body, headers, url) =>
      twilio.validateRequest(secret, header(headers, 'x-twilio-signature'), url, formParams(body)),
  },
];

export const caseFor = (type: string): ProviderCase => CASES.find((c) => c.type === type)!;
