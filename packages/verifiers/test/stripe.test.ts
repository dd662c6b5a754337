import { readdirSync, readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { providerFor } from '../src/index.js';
import { describeProviderContract } from './contract.js';
import { eventField, incoming, NOW_S, verdictOf } from './helpers.js';

const FIXTURES = new URL('./fixtures/stripe/', import.meta.url);
const fixtures = readdirSync(FIXTURES).map((name) => readFileSync(new URL(name, FIXTURES), 'utf8'));

const stripeHeader = (secret: string, payload: string, timestamp: number) => ({
  'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }),
});

describeProviderContract({
  type: 'stripe',
  signedBy: "the stripe SDK's generateTestHeaderString",
  providerSign: (secret, body, timestamp) => stripeHeader(secret, body, timestamp),
  example: {
    body: fixtures[0]!,
    id: JSON.parse(fixtures[0]!).id,
    type: JSON.parse(fixtures[0]!).type,
  },
});

describe('stripe verifier on event fixtures', () => {
  it.each(fixtures.map((body) => [JSON.parse(body).type as string, body]))(
    'accepts a signed %s event byte for byte',
    async (type, body) => {
      const request = incoming(body, stripeHeader('whsec_new_stripe_secret', body, NOW_S));
      expect(
        await verdictOf({ type: 'stripe', secret: 'whsec_new_stripe_secret' }, request),
      ).toMatchObject({ ok: true });
      expect(eventField(providerFor('stripe').event?.type, request)).toBe(type);
    },
  );

  it('accepts a header carrying one v1 per secret while Stripe rolls the secret', async () => {
    const body = fixtures[1]!;
    const old = stripeHeader('whsec_old_stripe_secret', body, NOW_S)['stripe-signature'];
    const current = stripeHeader('whsec_new_stripe_secret', body, NOW_S)['stripe-signature'];
    const request = incoming(body, { 'stripe-signature': `${old},${current.split(',')[1]}` });
    expect(
      await verdictOf({ type: 'stripe', secret: 'whsec_new_stripe_secret' }, request),
    ).toMatchObject({ ok: true });
  });
});
