import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { startDashboard, type Dashboard } from './dashboard-harness.js';
import { post, startRelay, type Relay } from './harness.js';
import { parsePrometheus, valueOf } from './prometheus-text.js';

const EVENTS = 40;
const CONCURRENCY = 5;
const MIN_REQUESTS = 10;

/**
 * docs/contract.md §5 "Protecting the backend", the circuit breaker: one source fanning out to a
 * backend that answers 500 to everything (`down`) and one that works (`up`).
 */
describe('the circuit breaker of a destination whose backend fails everything', () => {
  let relay: Relay;
  let dashboard: Dashboard;
  const attemptsAtDown = () => relay.backend.store.list({ path: '/down' }).length;
  const breakerOf = async (destination: string) => {
    const { sources } = (await dashboard.api('/api/sources')).body as {
      sources: { destinations: { name: string; breaker: string }[] }[];
    };
    return sources[0]!.destinations.find((d) => d.name === destination)!.breaker;
  };

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
worker: { concurrency: ${CONCURRENCY} }
sources:
  shop:
    verify: { type: none }
    event: { id: body.id }
    retry: { attempts: 50, backoff: fixed, delay: 50ms, maxDelay: 4s }
    destinations:
      - name: down
        url: \${BACKEND_URL}/down
        breaker: { minRequests: ${MIN_REQUESTS}, failureRate: 50%, window: 30s, cooldown: 1s }
      - name: up
        url: \${BACKEND_URL}/up
`,
    });
    dashboard = await startDashboard(relay);
    relay.backend.rules.set([{ path: '/down', status: 500 }]);
  });
  afterAll(async () => {
    await dashboard?.close();
    await relay?.close();
  });

  it('opens after minRequests, lets only probes through, and delivers everything once the backend is back', async () => {
    for (let i = 0; i < EVENTS; i++)
      expect((await post(relay, '/webhooks/shop', JSON.stringify({ id: `evt-${i}` }))).status).toBe(
        202,
      );

    const [opened] = await waitFor(() => relay.logs.find('breaker opened'), {
      what: 'the breaker to open',
    });
    expect(opened).toMatchObject({
      source: 'shop',
      destination: 'down',
      requests: MIN_REQUESTS,
      failureRate: 1,
      cooldownMs: 1_000,
    });
    // Attempts already under way when it opened still reach the backend: at most one per worker slot.
    const atOpen = attemptsAtDown();
    expect(atOpen).toBeLessThanOrEqual(MIN_REQUESTS + CONCURRENCY);
    expect(await breakerOf('down')).not.toBe('closed');
    expect(await breakerOf('up')).toBe('closed');

    // The other destination of the same events is delivered meanwhile.
    await waitFor(() => relay.backend.store.list({ path: '/up' }).length === EVENTS, {
      what: 'every event at the working destination',
    });
    // Three failed probes (cooldowns 1 s, 2 s, 4 s): only they reach the dead backend.
    await waitFor(() => relay.logs.find('breaker half-open').length >= 3, {
      timeoutMs: 30_000,
      what: 'three probes',
    });
    await waitFor(async () => (await breakerOf('down')) === 'open', { what: 'open again' });
    const probes = relay.logs.find('breaker half-open').length;
    expect(attemptsAtDown() - atOpen).toBeLessThanOrEqual(probes + CONCURRENCY);
    expect(probes).toBeLessThanOrEqual(5);
    console.log(
      `[breaker] ${atOpen} attempts at the dead backend when the breaker opened, ${attemptsAtDown()} after ${probes} probes`,
    );
    expect(relay.logs.find('breaker opened').map((l) => l.cooldownMs)).toEqual(
      expect.arrayContaining([1_000, 2_000, 4_000]),
    );

    const samples = parsePrometheus(await relay.metrics.worker.metrics());
    expect(
      valueOf(samples, 'hookrelay_breaker_state', { source: 'shop', destination: 'down' }),
    ).toBe(2);
    expect(valueOf(samples, 'hookrelay_breaker_state', { source: 'shop', destination: 'up' })).toBe(
      0,
    );
    expect(
      valueOf(samples, 'hookrelay_breaker_transitions_total', { destination: 'down', to: 'open' }),
    ).toBeGreaterThanOrEqual(3);

    // The backend recovers: the next probe closes the breaker and every event is delivered.
    relay.backend.rules.set([]);
    await waitFor(() => relay.logs.find('breaker closed').length === 1, {
      timeoutMs: 30_000,
      what: 'the breaker to close',
    });
    await waitFor(
      () =>
        new Set(
          relay.backend.store
            .list({ path: '/down' })
            .filter((d) => d.status === 200)
            .map((d) => d.headers['x-hookrelay-id']),
        ).size === EVENTS,
      { timeoutMs: 30_000, what: 'every event at the recovered destination' },
    );
    const queue = relay.queue('shop', 'down');
    await waitFor(async () => (await queue.getJobCounts('completed')).completed === EVENTS, {
      what: 'every event marked delivered',
    });
    expect(await queue.getJobCounts('completed', 'failed')).toEqual({
      completed: EVENTS,
      failed: 0,
    });
    expect(await breakerOf('down')).toBe('closed');
    // Waiting behind the open breaker spent no attempts: far fewer than the 50 each event has.
    const attempts = relay.backend.store
      .list({ path: '/down' })
      .map((d) => Number(d.headers['x-hookrelay-attempt']));
    expect(Math.max(...attempts)).toBeLessThan(10);
  });
});
