import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail, EventListItem, EventPage } from '@hookrelay/ops';
import { waitFor } from '@hookrelay/testing';
import { startDashboard, type Dashboard } from './dashboard-harness.js';
import { post, startRelay, type Relay } from './harness.js';
import { stripeFixtureWithId, stripeSignature } from './stripe-events.js';

/*
 * The event log (docs/events.md) through the real ingress, worker and dashboard API: every event
 * findable by our id and the provider's, with every attempt and the backend's answers.
 */

/** A Stripe fixture with its id replaced, signed as Stripe signs. */
function stripeEvent(name: string, id: string): { body: Buffer; signature: string } {
  const body = stripeFixtureWithId(name, id);
  return { body, signature: stripeSignature(body) };
}

describe('the event log', () => {
  let relay: Relay;
  let dashboard: Dashboard;

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
sources:
  stripe:
    verify: { type: stripe, secret: \${STRIPE_WEBHOOK_SECRET} }
    destination:
      url: \${BACKEND_URL}/stripe
      retry: { attempts: 5, backoff: fixed, delay: 50ms }
  refusing:
    verify: { type: stripe, secret: \${STRIPE_WEBHOOK_SECRET} }
    destination: { url: \${BACKEND_URL}/refusing, retry: { attempts: 3, delay: 50ms } }
  shop:
    verify: { type: none }
    event: { id: body.id, type: body.type }
    destinations:
      - { name: orders, url: \${BACKEND_URL}/shop/orders }
      - { name: audit, url: \${BACKEND_URL}/shop/audit }
`,
    });
    relay.backend.rules.set([{ path: '/refusing', status: 400 }]);
    dashboard = await startDashboard(relay);
  });
  afterAll(async () => {
    await dashboard?.close();
    await relay?.close();
  });

  async function sendStripe(source: string, name: string, providerId: string) {
    const { body, signature } = stripeEvent(name, providerId);
    const answer = await post(relay, `/webhooks/${source}`, body, {
      'stripe-signature': signature,
      authorization: 'Bearer some-credential-never-shown',
    });
    expect(answer.status).toBe(202);
    return { id: answer.body!.id as string, signature };
  }

  const list = async (query: string): Promise<EventPage> => {
    const answer = await dashboard.api(`/api/events${query}`);
    expect(answer.status).toBe(200);
    return answer.body as unknown as EventPage;
  };
  const show = async (id: string): Promise<EventDetail> => {
    const answer = await dashboard.api(`/api/events/${encodeURIComponent(id)}`);
    expect(answer.status).toBe(200);
    return answer.body as unknown as EventDetail;
  };

  it('finds an event answered 500, 500, then 200 by both ids, with its three attempts and answers', async () => {
    relay.backend.rules.set([
      { path: '/refusing', status: 400 },
      { path: '/stripe', status: 500, times: 2 },
    ]);
    const { id, signature } = await sendStripe(
      'stripe',
      'payment_intent.succeeded',
      'evt_1QdisputeA',
    );
    await waitFor(async () => (await show(id)).deliveries[0]?.status === 'delivered' || undefined, {
      timeoutMs: 15_000,
    });

    const byOurs = await show(id);
    const byProvider = await show('evt_1QdisputeA');
    expect(byProvider).toEqual(byOurs);
    expect(byOurs).toMatchObject({
      id,
      source: 'stripe',
      eventId: 'evt_1QdisputeA',
      eventType: 'payment_intent.succeeded',
      request: { contentType: 'application/json', bodyEncoding: 'utf8' },
    });
    expect(JSON.parse(byOurs.request.body!)).toMatchObject({ id: 'evt_1QdisputeA' });
    const [delivery] = byOurs.deliveries;
    expect(delivery).toMatchObject({
      destination: 'default',
      status: 'delivered',
      lastError: null,
    });
    expect(delivery!.attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
      [1, 500, 'retry'],
      [2, 500, 'retry'],
      [3, 200, 'delivered'],
    ]);
    for (const attempt of delivery!.attempts) {
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
      expect(attempt.at).toBeGreaterThanOrEqual(Date.parse(byOurs.receivedAt));
      expect(attempt.response).toBeTruthy();
      expect(attempt.responseType).toMatch(/^application\/json/);
    }
    expect(delivery!.attempts[0]!.error).toMatch(/500/);

    // Masked in the event itself and in the list: the signature and the credential never leave Redis.
    expect(byOurs.request.headers!['stripe-signature']).toBe('[redacted]');
    expect(byOurs.request.headers!.authorization).toBe('[redacted]');
    expect(byOurs.request.headers!['content-type']).toBe('application/json');
    const listed = await list('?eventId=evt_1QdisputeA');
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({
      id,
      eventId: 'evt_1QdisputeA',
      status: 'delivered',
      attempts: 3,
      lastStatus: 200,
      lastError: null,
    });
    const everything = JSON.stringify([byOurs, listed, await list('')]);
    expect(everything).not.toContain(signature);
    expect(everything).not.toContain(signature.split(',v1=')[1]!);
    expect(everything).not.toContain('some-credential-never-shown');
  });

  it('filters by status, type glob, source, destination and time', async () => {
    relay.backend.rules.set([{ path: '/refusing', status: 400 }]);
    const dead = await sendStripe('refusing', 'charge.refunded', 'evt_1QdeadB');
    const delivered = await sendStripe('stripe', 'payment_intent.succeeded', 'evt_1QfineB');
    const invoice = await sendStripe('stripe', 'invoice.paid', 'evt_1QinvoiceB');
    await waitFor(async () => (await show(dead.id)).deliveries[0]?.status === 'dead' || undefined);
    await waitFor(async () => {
      const [a, b] = await Promise.all([show(delivered.id), show(invoice.id)]);
      return (
        (a.deliveries[0]?.status === 'delivered' && b.deliveries[0]?.status === 'delivered') ||
        undefined
      );
    });
    const ids = (page: EventPage) => page.items.map((item) => item.id);

    const deadOnes = await list('?status=dead');
    expect(ids(deadOnes)).toContain(dead.id);
    expect(ids(deadOnes)).not.toContain(delivered.id);
    expect(deadOnes.items.find((item) => item.id === dead.id)).toMatchObject({
      source: 'refusing',
      status: 'dead',
      lastStatus: 400,
      lastError: expect.stringMatching(/400/),
    });
    expect(ids(await list('?status=delivered'))).not.toContain(dead.id);

    const payments = await list('?type=payment_intent.*');
    expect(ids(payments)).toContain(delivered.id);
    expect(ids(payments)).not.toContain(invoice.id);
    expect(payments.items.every((item) => item.eventType!.startsWith('payment_intent.'))).toBe(
      true,
    );
    expect(ids(await list('?type=*.paid'))).toEqual([invoice.id]);

    const refusing = await list('?source=refusing');
    expect(refusing.items.every((item) => item.source === 'refusing')).toBe(true);
    expect(ids(refusing)).toContain(dead.id);

    const since = new Date(Date.parse((await show(delivered.id)).receivedAt)).toISOString();
    const recent = await list(`?since=${encodeURIComponent(since)}`);
    expect(ids(recent)).toContain(delivered.id);
    expect(ids(recent)).toContain(invoice.id);
    expect(ids(recent)).not.toContain(dead.id);
    expect((await list('?since=1ms')).items).toEqual([]);

    // Newest first.
    const all = ids(await list('?source=stripe'));
    expect(all.indexOf(invoice.id)).toBeLessThan(all.indexOf(delivered.id));

    // Refused, never ignored.
    for (const bad of [
      '?status=lost',
      '?colour=red',
      '?limit=0',
      '?cursor=nope',
      '?since=soon',
      '?destination=nowhere',
    ]) {
      const answer = await dashboard.api(`/api/events${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'invalid_filter' } });
    }
    expect((await dashboard.api('/api/events?source=nope')).status).toBe(404);
    expect((await dashboard.api('/api/events/evt_nothing_here')).body).toMatchObject({
      error: { code: 'event_not_found' },
    });
  });

  it('keeps one entry for an event the provider sends twice', async () => {
    const { body, signature } = stripeEvent('charge.refunded', 'evt_1QtwiceE');
    const first = await post(relay, '/webhooks/stripe', body, { 'stripe-signature': signature });
    const again = await post(relay, '/webhooks/stripe', body, { 'stripe-signature': signature });
    expect(first.status).toBe(202);
    expect(again).toMatchObject({ status: 200, body: { duplicate: true, id: first.body!.id } });
    // The second write's log entry is undone once the duplicate is known, just after the answer.
    await waitFor(
      async () => (await list('?eventId=evt_1QtwiceE')).items.length === 1 || undefined,
    );
    expect((await list('?eventId=evt_1QtwiceE')).items.map((item) => item.id)).toEqual([
      first.body!.id,
    ]);
    expect((await show('evt_1QtwiceE')).id).toBe(first.body!.id);
  });

  it('lists an event that fans out once per destination', async () => {
    const answer = await post(
      relay,
      '/webhooks/shop',
      JSON.stringify({ id: 'order_fan_1', type: 'order.created' }),
      { 'x-api-key': 'key-never-shown', cookie: 'session=never-shown', 'user-agent': 'shop/1.0' },
    );
    expect(answer.status).toBe(202);
    const id = answer.body!.id as string;
    await waitFor(async () => {
      const detail = await show(id);
      return detail.deliveries.every((d) => d.status === 'delivered') || undefined;
    });
    const page = await list('?eventId=order_fan_1');
    expect(page.items.map((item) => item.destination).sort()).toEqual(['audit', 'orders']);
    expect((await list('?source=shop&destination=audit')).items.map((i) => i.destination)).toEqual([
      'audit',
    ]);
    const detail = await show('order_fan_1');
    expect(detail.deliveries).toHaveLength(2);
    expect(detail.request.headers).toMatchObject({
      'x-api-key': '[redacted]',
      cookie: '[redacted]',
      'user-agent': 'shop/1.0',
    });
    expect(JSON.stringify(detail)).not.toContain('never-shown');
  });

  it('pages through 250 events, each exactly once, while new events keep arriving', async () => {
    const sent: string[] = [];
    const sendBatch = async (count: number, tag: string) => {
      for (let i = 0; i < count; i += 25) {
        const answers = await Promise.all(
          Array.from({ length: Math.min(25, count - i) }, (_, j) =>
            post(
              relay,
              '/webhooks/shop',
              JSON.stringify({ id: `page_${tag}_${i + j}`, type: 'order.paged' }),
            ),
          ),
        );
        for (const answer of answers) {
          expect(answer.status).toBe(202);
          sent.push(answer.body!.id as string);
        }
      }
    };
    await sendBatch(250, 'first');
    await relay.settled();
    const before = new Set(sent);

    const seen: EventListItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(
        `?source=shop&destination=orders&type=order.paged&limit=40${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items);
      cursor = page.next;
      pages += 1;
      // Events arrive while the operator pages: they are newer than any cursor, so never seen here.
      if (pages <= 3) await sendBatch(10, `during${pages}`);
    } while (cursor !== null && pages < 50);

    const seenIds = seen.map((item) => item.id);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    const fromFirst = seenIds.filter((id) => before.has(id));
    expect(fromFirst.length).toBe(250);
    expect(seenIds.length).toBe(250);
    expect(pages).toBeGreaterThanOrEqual(7);
    // Newest first throughout.
    expect([...seenIds].sort().reverse()).toEqual(seenIds);
  });

  it('replays an event found by its provider id through the existing replay path', async () => {
    const { id } = await sendStripe('stripe', 'invoice.paid', 'evt_1QreplayC');
    await waitFor(async () => (await show(id)).deliveries[0]?.status === 'delivered' || undefined);
    const replay = await dashboard.api('/api/events/evt_1QreplayC/replay', {});
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id, replayed: 1 });
    const detail = await waitFor(async () => {
      const d = await show(id);
      return d.deliveries[0]!.attempts.length === 2 && d.deliveries[0]!.status === 'delivered'
        ? d
        : undefined;
    });
    expect(detail.deliveries[0]!.replays).toHaveLength(1);
  });
});
