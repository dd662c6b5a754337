import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { post, startRelay, type Relay } from './harness.js';
import { orderViolations, startOrderingBackend, type OrderingBackend } from './ordering-backend.js';

/** docs/ordering.md through the real ingress and worker (in this process), on a real Redis. */
describe('orderBy: one key at a time, in order, keys in parallel', () => {
  let relay: Relay;
  let backend: OrderingBackend;
  /** Per key: how many times its event n fails before it answers 2xx; status 400 = dead. */
  const failures = new Map<string, number>();
  const refused = new Set<string>();

  beforeAll(async () => {
    backend = await startOrderingBackend((hit) => {
      if (refused.has(`${hit.key}#${hit.n}`)) return { status: 400 };
      const left = failures.get(`${hit.key}#${hit.n}`) ?? 0;
      if (left > 0) {
        failures.set(`${hit.key}#${hit.n}`, left - 1);
        return { status: 500, delayMs: 2 };
      }
      return { status: 200, delayMs: 2 };
    });
    relay = await startRelay({
      yaml: `
sources:
  bookings:
    verify: { type: none }
    destination:
      url: ${backend.url}/bookings
      orderBy: body.key
      retry: { attempts: 5, backoff: fixed, delay: 100ms, jitter: 0 }
`,
    });
  });
  afterAll(async () => {
    await relay?.close();
    await backend?.close();
  });

  const send = async (key: string, n: number) => {
    const answer = await post(relay, '/webhooks/bookings', JSON.stringify({ key, n }));
    expect(answer.status).toBe(202);
    return answer.body!.id as string;
  };
  const deliveredOf = (key: string) =>
    backend.hits.filter((hit) => hit.key === key && hit.status !== undefined && hit.status < 300);

  it('holds a key whose first event fails 3 times, and only that key', async () => {
    failures.set('slow#1', 3);
    for (let n = 1; n <= 5; n++) await send('slow', n);
    for (let n = 1; n <= 5; n++) await send('fast', n);
    await waitFor(() => deliveredOf('fast').length === 5 || undefined, { what: 'fast delivered' });
    // The fast key is done while the slow one still waits on its first event's retries.
    expect(deliveredOf('slow').length).toBeLessThan(5);
    await waitFor(() => deliveredOf('slow').length === 5 || undefined, { what: 'slow delivered' });
    const slow = backend.hits.filter((hit) => hit.key === 'slow');
    expect(slow.map((hit) => [hit.n, hit.status])).toEqual([
      [1, 500],
      [1, 500],
      [1, 500],
      [1, 200],
      [2, 200],
      [3, 200],
      [4, 200],
      [5, 200],
    ]);
    expect(deliveredOf('fast').map((hit) => hit.n)).toEqual([1, 2, 3, 4, 5]);
    expect(orderViolations(backend.hits)).toEqual([]);
  });

  it('moves on past a dead-lettered event and says which events went ahead of it', async () => {
    refused.add('dying#2');
    const ids = [];
    for (let n = 1; n <= 4; n++) ids.push(await send('dying', n));
    await waitFor(() => deliveredOf('dying').length === 3 || undefined, { what: 'the rest' });
    expect(
      backend.hits.filter((hit) => hit.key === 'dying').map((hit) => [hit.n, hit.status]),
    ).toEqual([
      [1, 200],
      [2, 400],
      [3, 200],
      [4, 200],
    ]);
    expect(await relay.queue('bookings').getJobState(ids[1]!)).toBe('failed');
  });

  it('delivers many keys in parallel, each in order', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    for (let n = 1; n <= 10; n++) await Promise.all(keys.map((key) => send(key, n)));
    await waitFor(() => keys.every((key) => deliveredOf(key).length === 10) || undefined, {
      what: 'every key delivered',
      timeoutMs: 30_000,
    });
    for (const key of keys)
      expect(deliveredOf(key).map((hit) => hit.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(orderViolations(backend.hits)).toEqual([]);
    expect(backend.peak.keysInFlight).toBeGreaterThanOrEqual(3);
  });

  it('delivers an event without the key unordered', async () => {
    const answer = await post(relay, '/webhooks/bookings', JSON.stringify({ n: 1 }));
    expect(answer.status).toBe(202);
    await waitFor(() => backend.hits.some((hit) => hit.id === answer.body!.id) || undefined);
    expect(await relay.metrics.ingress.metrics()).toContain(
      'hookrelay_unordered_events_total{source="bookings",destination="default",app="ingress"} 1',
    );
  });
});
