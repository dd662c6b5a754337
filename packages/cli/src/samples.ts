import { randomBytes, randomUUID } from 'node:crypto';

/** A webhook as the provider would send it, before signing: body, content type, the provider's own non-signature headers. */
export interface SampleRequest {
  readonly body: Buffer;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
}

type SampleMaker = (eventType: string | undefined, now: Date) => SampleRequest;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const seconds = (now: Date) => Math.floor(now.getTime() / 1000);

function json(value: unknown, headers: Record<string, string> = {}): SampleRequest {
  return {
    body: Buffer.from(JSON.stringify(value, null, 2)),
    contentType: 'application/json',
    headers,
  };
}

function form(fields: Record<string, string>, headers: Record<string, string> = {}): SampleRequest {
  return {
    body: Buffer.from(new URLSearchParams(fields).toString()),
    contentType: 'application/x-www-form-urlencoded',
    headers,
  };
}

const stripe: SampleMaker = (type = 'payment_intent.succeeded', now) =>
  json({
    id: `evt_test_${hex(12)}`,
    object: 'event',
    api_version: '2025-09-30.clover',
    created: seconds(now),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: {
      object: {
        id: `pi_test_${hex(12)}`,
        object: 'payment_intent',
        amount: 15000,
        amount_received: 15000,
        currency: 'xof',
        status: 'succeeded',
        description: 'Commande 1042 — Dakar',
        metadata: { order_id: '1042' },
      },
    },
  });

const wave: SampleMaker = (type = 'checkout.session.completed', now) =>
  json({
    id: `EV_${hex(10)}`,
    type,
    data: {
      id: `cos-${hex(10)}`,
      amount: '15000',
      currency: 'XOF',
      checkout_status: 'complete',
      client_reference: 'order-1042',
      payment_status: 'succeeded',
      when_completed: now.toISOString(),
    },
  });

const github: SampleMaker = (type = 'push') =>
  json(
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
      commits: [{ id: hex(20), message: 'Fix the invoice rounding', author: { name: 'octocat' } }],
    },
    { 'x-github-event': type, 'x-github-delivery': randomUUID(), 'x-github-hook-id': '1' },
  );

const shopify: SampleMaker = (topic = 'orders/create', now) =>
  json(
    {
      id: Number(`${Date.now()}`.slice(-9)),
      name: '#1042',
      currency: 'XOF',
      total_price: '15000.00',
      created_at: now.toISOString(),
      financial_status: 'paid',
    },
    {
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-shop-domain': 'boutique-dakar.myshopify.com',
      'x-shopify-api-version': '2025-07',
    },
  );

const paystack: SampleMaker = (event = 'charge.success', now) =>
  json({
    event,
    data: {
      id: Number(`${Date.now()}`.slice(-9)),
      reference: `ref_${hex(6)}`,
      amount: 1_500_000,
      currency: 'XOF',
      status: 'success',
      paid_at: now.toISOString(),
      channel: 'mobile_money',
    },
  });

const flutterwave: SampleMaker = (type = 'charge.completed', now) =>
  json({
    webhook_id: `wbk_${hex(10)}`,
    timestamp: now.getTime(),
    type,
    data: {
      id: `chg_${hex(8)}`,
      amount: 15000,
      currency: 'XOF',
      status: 'succeeded',
      reference: `order-1042-${hex(3)}`,
      payment_method: { type: 'mobile_money' },
    },
  });

const fedapay: SampleMaker = (name = 'transaction.approved', now) =>
  json({
    id: Number(`${Date.now()}`.slice(-9)),
    name,
    entity: {
      klass: 'v1/transaction',
      id: Number(`${Date.now()}`.slice(-8)),
      reference: `trx_${hex(6)}`,
      amount: 15000,
      currency: { iso: 'XOF' },
      status: 'approved',
      mode: 'mtn_open',
      approved_at: now.toISOString(),
    },
  });

const cinetpay: SampleMaker = (_type, now) =>
  form({
    cpm_site_id: '445160',
    cpm_trans_id: `CP${hex(6).toUpperCase()}`,
    cpm_trans_date: now.toISOString().slice(0, 19).replace('T', ' '),
    cpm_amount: '15000',
    cpm_currency: 'XOF',
    signature: hex(16),
    payment_method: 'OM',
    cel_phone_num: '0707000000',
    cpm_phone_prefixe: '225',
    cpm_language: 'fr',
    cpm_version: 'V4',
    cpm_payment_config: 'SINGLE',
    cpm_page_action: 'PAYMENT',
    cpm_custom: 'order-1042',
    cpm_designation: 'Commande 1042',
    cpm_error_message: 'SUCCES',
  });

const twilio: SampleMaker = () =>
  form(
    {
      MessageSid: `SM${hex(16)}`,
      AccountSid: `AC${hex(16)}`,
      From: '+2250707000000',
      To: '+2250101000000',
      Body: 'PAYE 15000 XOF commande 1042',
      NumMedia: '0',
    },
    { 'i-twilio-idempotency-token': randomUUID() },
  );

const standardWebhooks: SampleMaker = (type = 'invoice.paid', now) =>
  json({
    type,
    timestamp: now.toISOString(),
    data: { id: `inv_${hex(8)}`, amount: 15000, currency: 'XOF', status: 'paid' },
  });

const paypal: SampleMaker = (event_type = 'PAYMENT.CAPTURE.COMPLETED', now) =>
  json({
    id: `WH-${hex(8).toUpperCase()}`,
    event_type,
    create_time: now.toISOString(),
    resource_type: 'capture',
    resource: {
      id: hex(8).toUpperCase(),
      status: 'COMPLETED',
      amount: { currency_code: 'EUR', value: '23.00' },
    },
  });

/** For `none`, `token`, `basic`, `hmac`: the generic payment notification of the README's `payment` source. */
const generic: SampleMaker = (event = 'payment.succeeded', now) =>
  json({
    transaction_id: `TX-${hex(6).toUpperCase()}`,
    event,
    amount: 15000,
    currency: 'XOF',
    created_at: now.toISOString(),
  });

const SAMPLES: Readonly<Record<string, SampleMaker>> = {
  stripe,
  wave,
  github,
  shopify,
  paystack,
  flutterwave,
  fedapay,
  cinetpay,
  twilio,
  'standard-webhooks': standardWebhooks,
  svix: standardWebhooks,
  paypal,
  none: generic,
  token: generic,
  basic: generic,
  hmac: generic,
};

/** A realistic, never-seen-before webhook for a `verify.type` (fresh event ids, so it is not a duplicate). */
export function sampleRequest(
  verifyType: string,
  eventType?: string,
  now = new Date(),
): SampleRequest {
  const make = SAMPLES[verifyType] ?? generic;
  return make(eventType, now);
}
