import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '@hookrelay/queue';
import { waitFor } from '@hookrelay/testing';
import { startDashboard, type Dashboard } from './dashboard-harness.js';
import { post, startRelay, type Relay } from './harness.js';

/**
 * retention.delivered / retention.dead become BullMQ's removeOnComplete / removeOnFail ages: a
 * finished job older than that is removed, with its log, when a later job of the same queue finishes.
 */
describe('retention keeps delivered and dead events for a while, then lets them go', () => {
  let relay: Relay;
  let dashboard: Dashboard;

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
retention: { delivered: 1s, dead: 1s }
sources:
  orders:
    verify: { type: none }
    destination: { url: \${BACKEND_URL}/orders }
    retry: { attempts: 1 }
`,
    });
    dashboard = await startDashboard(relay);
  });
  afterAll(async () => {
    await dashboard?.close();
    await relay?.close();
  });

  const send = async (body: string) =>
    (await post(relay, '/webhooks/orders', body)).body!.id as string;
  const state = (id: string) => relay.queue('orders').getJobState(id);

  it('a delivered event can be replayed while retained, and is gone (404) once retention.delivered has passed', async () => {
    const id = await send('{"n":1}');
    await waitFor(async () => (await state(id)) === 'completed');
    expect((await dashboard.api(`/api/events/${id}/replay`, {})).status).toBe(200);
    await waitFor(
      async () =>
        (await state(id)) === 'completed' && relay.backend.store.list({ id }).length === 2,
    );

    // Each later delivery prunes what is past its age; keep delivering until the first one is gone.
    await waitFor(async () => (await send('{"n":"later"}')) && (await state(id)) === 'unknown', {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: 'the delivered event pruned',
    });
    const gone = await dashboard.api(`/api/events/${id}/replay`, {});
    expect([gone.status, gone.body]).toEqual([
      404,
      { error: { code: 'event_not_found', message: expect.any(String) } },
    ]);
    expect(await relay.queue('orders').getJobLogs(id)).toEqual({ logs: [], count: 0 });
    // The event log lets it go too: its record expires retention.delivered after the delivery.
    expect((await dashboard.api(`/api/events/${id}`)).status).toBe(404);
    const redis = createRedis(relay.config.redis, 'producer', 'retention-test');
    try {
      await waitFor(async () => (await redis.exists(`test:events:event:${id}`)) === 0, {
        what: 'the event record expired',
      });
    } finally {
      redis.disconnect();
    }
  });

  it('a dead event stays in the dead-letter queue until retention.dead has passed', async () => {
    relay.backend.rules.set([{ path: '/orders', status: 400 }]);
    const id = await send('{"n":2}');
    await waitFor(async () => (await state(id)) === 'failed');
    expect((await dashboard.api('/api/dead-letters')).body.deadLetters).toEqual([
      expect.objectContaining({ id }),
    ]);
    await waitFor(async () => (await send('{"n":"later"}')) && (await state(id)) === 'unknown', {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: 'the dead event pruned',
    });
    const after = (await dashboard.api('/api/dead-letters')).body.deadLetters as { id: string }[];
    expect(after.map((d) => d.id)).not.toContain(id);
  });
});
