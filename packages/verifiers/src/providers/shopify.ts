import { randomUUID } from 'node:crypto';
import { bodyHmacProvider } from '../body-hmac.js';
import { freshNumber, jsonSample, secretTestConfig } from '../sample.js';

/** Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the body, keyed with the app's client secret. */
export const shopify = bodyHmacProvider({
  type: 'shopify',
  header: 'x-shopify-hmac-sha256',
  headerLabel: 'X-Shopify-Hmac-Sha256',
  algorithm: 'sha256',
  encoding: 'base64',
  // Topic, shop and API version go along: Shopify's own libraries need them to process the event.
  alsoForward: [
    'x-shopify-topic',
    'x-shopify-webhook-id',
    'x-shopify-event-id',
    'x-shopify-shop-domain',
    'x-shopify-api-version',
    'x-shopify-triggered-at',
  ],
  event: { id: 'headers.x-shopify-webhook-id', type: 'headers.x-shopify-topic' },
  sample: {
    eventType: 'orders/create',
    build: (topic, now) =>
      jsonSample(
        {
          id: freshNumber(9),
          name: '#1042',
          currency: 'XOF',
          total_price: '15000.00',
          created_at: now.toISOString(),
          financial_status: 'paid',
        },
        {
          'x-shopify-topic': topic!,
          'x-shopify-webhook-id': randomUUID(),
          'x-shopify-shop-domain': 'boutique-dakar.myshopify.com',
          'x-shopify-api-version': '2025-07',
        },
      ),
  },
  testConfig: secretTestConfig(
    'shopify',
    ['shpss_previous_0f1e2d', 'shpss_current_3c4b5a'],
    'shpss_wrong',
  ),
});
