import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { STRIPE_SECRET } from './harness.js';

/** A Stripe event from tests/fixtures/stripe, as Stripe sends it. */
export function stripeFixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/stripe/${name}.json`, import.meta.url));
}

/** The fixture `name` with its own provider event id (never a duplicate of another test's). */
export function stripeFixtureWithId(name: string, id: string): Buffer {
  const event = JSON.parse(stripeFixture(name).toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...event, id }));
}

/** The Stripe-Signature Stripe would send with `body`, by the stripe package itself. */
export function stripeSignature(
  body: string | Buffer,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload: body.toString(),
    secret: STRIPE_SECRET,
    timestamp,
  });
}
