/**
 * The bench's webhooks: Stripe `payment_intent.succeeded` events of about 600 bytes, each with its
 * own event id (`evt_` + the run's tag + the index: unique within a run and across runs), signed with
 * Stripe's own library (`Stripe.webhooks.generateTestHeaderString`, the run's `whsec_` secret, the
 * time they are built: within Stripe's 300 s tolerance if built just before they are sent), as the
 * raw bytes of one HTTP/1.1 request each (request line, the headers Stripe sends, body).
 * `data.object.customer` cycles through `customers` values (the keys of an `orderBy`).
 * Used by the load generator; not run on its own.
 */
import Stripe from 'stripe';

export const STRIPE_EVENT_TYPE = 'payment_intent.succeeded';

export interface StripeRequestSpec {
  /** The source's `whsec_…` secret. */
  readonly secret: string;
  /** The Host header: `127.0.0.1:<port>`. */
  readonly host: string;
  /** Where the source listens, `/webhooks/stripe`. */
  readonly path: string;
  /** 8 lowercase letters or digits, fresh each run. */
  readonly tag: string;
  /** Distinct `data.object.customer` values, cycled. */
  readonly customers: number;
}

/** A fresh run tag: 8 characters of [a-z0-9]. */
export function newRunTag(): string {
  let tag = '';
  while (tag.length < 8) tag += Math.random().toString(36).slice(2);
  return tag.slice(0, 8);
}

/** The Stripe event id of request `index`: `evt_` and 24 characters, as Stripe's. */
export function eventIdOf(tag: string, index: number): string {
  return `evt_${tag}${index.toString(36).padStart(16, '0')}`;
}

/** Request `index`'s index again, from its event id (undefined for another run's id). */
export function indexOfEventId(tag: string, id: string): number | undefined {
  const prefix = `evt_${tag}`;
  if (!id.startsWith(prefix)) return undefined;
  const index = parseInt(id.slice(prefix.length), 36);
  return Number.isSafeInteger(index) ? index : undefined;
}

/** The compact JSON body of request `index` (Stripe sends its events pretty-printed; same fields). */
export function stripeBody(spec: StripeRequestSpec, index: number, created: number): string {
  const serial = index.toString(36).padStart(14, '0');
  const customer = `cus_bench${String(index % spec.customers).padStart(6, '0')}`;
  return JSON.stringify({
    id: eventIdOf(spec.tag, index),
    object: 'event',
    api_version: '2024-06-20',
    created,
    data: {
      object: {
        id: `pi_3Q${spec.tag}${serial}`,
        object: 'payment_intent',
        amount: 1000 + (index % 90_000),
        currency: 'xof',
        customer,
        description: 'Abonnement mensuel - Dakar',
        latest_charge: `ch_3Q${spec.tag}${serial}`,
        livemode: false,
        metadata: { order_id: `CMD-${spec.tag}-${index}` },
        payment_method: `pm_1Q${spec.tag}${serial}`,
        status: 'succeeded',
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: `req_${spec.tag}${serial}`, idempotency_key: `${spec.tag}-${serial}` },
    type: STRIPE_EVENT_TYPE,
  });
}

export interface BuiltRequests {
  /** One buffer per request: request line, headers and body. */
  readonly requests: Buffer[];
  /** Bytes of the first request's body, and of the whole first request. */
  readonly bodyBytes: number;
  readonly requestBytes: number;
}

/** Requests `from` … `from + count - 1`, signed now. */
export function buildStripeRequests(
  spec: StripeRequestSpec,
  from: number,
  count: number,
): BuiltRequests {
  const timestamp = Math.floor(Date.now() / 1000);
  const requests = new Array<Buffer>(count);
  const lead =
    `POST ${spec.path} HTTP/1.1\r\nHost: ${spec.host}\r\n` +
    'User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n' +
    'Content-Type: application/json; charset=utf-8\r\nAccept: */*; q=0.5, application/xml\r\n' +
    'Cache-Control: no-cache\r\n';
  let bodyBytes = 0;
  for (let i = 0; i < count; i++) {
    const body = stripeBody(spec, from + i, timestamp);
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: spec.secret,
      timestamp,
    });
    const length = Buffer.byteLength(body);
    bodyBytes ||= length;
    requests[i] = Buffer.from(
      `${lead}Stripe-Signature: ${signature}\r\nContent-Length: ${length}\r\n\r\n${body}`,
    );
  }
  return { requests, bodyBytes, requestBytes: requests[0]?.length ?? 0 };
}
