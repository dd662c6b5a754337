import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { post, startRelay, type Relay } from './harness.js';

// README.md → "Protecting your backend", at a smaller scale: the demo backend tolerates 10
// deliveries a second and the destination's rateLimit keeps below it (steps 2 to 4); the outage
// switch opens the circuit breaker, and switching it off lets the backlog through (steps 5, 6).
describe('the walkthrough of "Protecting your backend": its demo backend with a tolerated rate and outage switch', () => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await startRelay({
      workers: false,
      yaml: `
sources:
  payment:
    verify: { type: none }
    event: { id: body.id }
    destination: { url: "\${BACKEND_URL}/webhooks/payment", rateLimit: { max: 8, per: 1s } }
    retry: { attempts: 10, backoff: fixed, delay: 100ms }
  orders:
    verify: { type: none }
    event: { id: body.id }
    destination:
      url: "\${BACKEND_URL}/webhooks/orders"
      breaker: { failureRate: 50%, minRequests: 5, window: 10s, cooldown: 500ms }
    retry: { attempts: 3, backoff: fixed, delay: 100ms, maxDelay: 1s }
`,
    });
  });
  afterAll(() => relay?.close());

  async function control(body: unknown) {
    const response = await fetch(`${relay.backend.url}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }

  async function stats() {
    const response = await fetch(`${relay.backend.url}/deliveries/stats`);
    return (await response.json()) as Record<string, number>;
  }

  it('delivers a backlog of 40 events with no 429 from the demo backend', async () => {
    await control({ tolerate: { max: 10, per: '1s' } });
    for (let i = 0; i < 40; i++) {
      expect(
        (await post(relay, '/webhooks/payment', JSON.stringify({ id: `TX-${i}` }))).status,
      ).toBe(202);
    }
    relay.startWorkers();
    const done = await waitFor(
      async () => {
        const now = await stats();
        return now.delivered === 40 ? now : undefined;
      },
      { timeoutMs: 20_000, what: 'the 40 events to be delivered' },
    );
    expect(done).toMatchObject({ unique: 40, delivered: 40, tooManyRequests: 0, serverErrors: 0 });
    expect(done.busiestSecond).toBeLessThanOrEqual(16);
  });

  it('an outage opens the breaker, no event is dead-lettered, and all are delivered once the switch is off', async () => {
    await control({ tolerate: null, outage: true });
    await fetch(`${relay.backend.url}/deliveries`, { method: 'DELETE' });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await post(relay, '/webhooks/orders', JSON.stringify({ id: `ORD-${i}` }));
      expect(answer.status).toBe(202);
      ids.push(answer.body!.id as string);
    }
    await waitFor(() => relay.logs.find('breaker opened').length > 0 || undefined, {
      timeoutMs: 10_000,
      what: 'the breaker to open',
    });
    const duringOutage = await stats();
    // Without the breaker, 3 attempts of 100 ms apart would spend all 60 and dead-letter all 20.
    expect(duringOutage.serverErrors).toBeLessThan(60);

    await control({ outage: false });
    const done = await waitFor(
      async () => {
        const now = await stats();
        return now.delivered === 20 ? now : undefined;
      },
      { timeoutMs: 20_000, what: 'the 20 orders to be delivered' },
    );
    expect(done.unique).toBe(20);
    // The backend answered each one; the worker records the completion just after.
    const counts = await waitFor(
      async () => {
        const now = await relay.queue('orders').getJobCounts('completed', 'failed');
        return now.completed === 20 ? now : undefined;
      },
      { timeoutMs: 10_000, what: 'the 20 orders recorded as delivered' },
    );
    expect(counts).toEqual({ completed: 20, failed: 0 });
    expect(relay.logs.find('breaker closed').length).toBeGreaterThan(0);
  });
});
