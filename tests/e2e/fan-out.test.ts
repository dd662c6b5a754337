import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { post, startRelay, type Relay } from './harness.js';

describe('fan-out to several destinations', () => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
sources:
  orders:
    verify: { type: none }
    event: { id: body.order_id, type: body.event }
    retry: { attempts: 4, backoff: fixed, delay: 50ms }
    destinations:
      - { name: billing, url: \${BACKEND_URL}/billing }
      - { name: shipping, url: \${BACKEND_URL}/shipping, format: envelope }
`,
    });
    relay.backend.rules.set([{ path: '/shipping', status: 503, times: 2 }]);
  });
  afterAll(() => relay.close());

  it('delivers to the healthy destination once and retries only the failing one', async () => {
    const answer = await post(
      relay,
      '/webhooks/orders',
      JSON.stringify({ order_id: 'CMD-1', event: 'order.paid', amount: 5000, currency: 'XOF' }),
    );
    expect(answer.status).toBe(202);
    const id = answer.body!.id as string;
    await waitFor(() =>
      relay.backend.store.list({ id, path: '/shipping' }).some((d) => d.status === 200),
    );
    expect(relay.backend.store.list({ id, path: '/billing' }).map((d) => d.status)).toEqual([200]);
    expect(relay.backend.store.list({ id, path: '/shipping' }).map((d) => d.status)).toEqual([
      503, 503, 200,
    ]);
    const envelope = JSON.parse(
      relay.backend.store.list({ id, path: '/shipping' }).at(-1)!.body,
    ) as Record<string, unknown>;
    expect(envelope).toMatchObject({
      id,
      source: 'orders',
      event_type: 'order.paid',
      event_id: 'CMD-1',
      data: { amount: 5000 },
    });
  });

  it('de-duplicates a repeated event across every destination', async () => {
    const body = JSON.stringify({ order_id: 'CMD-2', event: 'order.paid' });
    const first = await post(relay, '/webhooks/orders', body);
    const again = await post(relay, '/webhooks/orders', body);
    expect(again).toMatchObject({ status: 200, body: { duplicate: true, id: first.body!.id } });
    const id = first.body!.id as string;
    await waitFor(
      () => relay.backend.store.list({ id }).filter((d) => d.status === 200).length === 2,
    );
    expect(
      await relay.queue('orders', 'billing').getJobCounts('completed', 'waiting', 'delayed'),
    ).toMatchObject({ waiting: 0, delayed: 0 });
    expect(
      relay.backend.store
        .list({ id })
        .map((d) => d.path)
        .sort(),
    ).toEqual(['/billing', '/shipping']);
  });
});
