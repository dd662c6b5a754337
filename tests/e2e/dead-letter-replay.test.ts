import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { startDashboard, type Dashboard } from './dashboard-harness.js';
import { post, startRelay, type Relay } from './harness.js';

const EVENTS = 20;

interface Counts {
  waiting: number;
  scheduled: number;
  delivering: number;
  retrying: number;
  delivered: number;
  dead: number;
  paused: boolean;
}

describe('dead letters, replay and pause through the ops API', () => {
  let relay: Relay;
  let dashboard: Dashboard;
  const ids: string[] = [];

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
sources:
  orders:
    verify: { type: none }
    event: { id: body.id, type: body.type }
    # Its events are meant to be dead-lettered: no circuit breaker to hold them (README "Circuit breaker").
    destination: { url: \${BACKEND_URL}/orders, breaker: false }
    retry: { attempts: 2, backoff: fixed, delay: 20ms }
  alerts:
    verify: { type: none }
    destinations:
      - { name: pager, url: \${BACKEND_URL}/pager }
      - { name: chat, url: \${BACKEND_URL}/chat }
`,
    });
    dashboard = await startDashboard(relay);
  });
  afterAll(async () => {
    await dashboard?.close();
    await relay?.close();
  });

  const counts = async (source: string, destination = 'default'): Promise<Counts> => {
    const { body } = await dashboard.api('/api/sources');
    const entry = (
      body.sources as { name: string; destinations: (Counts & { name: string })[] }[]
    ).find((s) => s.name === source)!;
    return entry.destinations.find((d) => d.name === destination)!;
  };
  const delivered = (id: string) =>
    relay.backend.store.list({ id }).filter((d) => d.status === 200);
  const send = (source: string, n: number) =>
    post(
      relay,
      `/webhooks/${source}`,
      JSON.stringify({ id: `order-${n}`, type: 'order.paid', amount: 5000 + n }),
    );

  it('events that keep failing are dead-lettered and listed with their last error and every attempt', async () => {
    relay.backend.rules.set([{ path: '/orders', status: 500 }]);
    for (let n = 0; n < EVENTS; n++) ids.push((await send('orders', n)).body!.id as string);
    await waitFor(async () => (await counts('orders')).dead === EVENTS, {
      what: 'every event dead-lettered',
    });

    const { status, body } = await dashboard.api('/api/dead-letters?source=orders&limit=5');
    expect(status).toBe(200);
    expect(body.total).toBe(EVENTS);
    const list = body.deadLetters as Record<string, unknown>[];
    expect(list).toHaveLength(5);
    expect(list[0]).toMatchObject({
      source: 'orders',
      destination: 'default',
      eventType: 'order.paid',
      attemptsMade: 2,
      lastStatus: 500,
      lastError: 'HTTP 500 from the backend, attempt 2 of 2',
      eventId: expect.stringMatching(/^order-\d+$/),
      attempts: [
        expect.objectContaining({ attempt: 1, status: 500, outcome: 'retry' }),
        expect.objectContaining({ attempt: 2, status: 500, outcome: 'dead' }),
      ],
      replays: [],
    });
    expect(ids).toContain(list[0]!.id);
    // Stored as the outcome line alone: no stack for Bull Board or anyone reading Redis.
    const stored = await relay.queue('orders').getJob(ids[1]!);
    expect([stored!.failedReason, stored!.stacktrace]).toEqual([
      'HTTP 500 from the backend, attempt 2 of 2',
      [],
    ]);
  });

  it("finds a dead letter by the provider's id, and refuses a filter it does not know", async () => {
    const byEventId = await dashboard.api('/api/dead-letters?eventId=order-7');
    expect(byEventId.body).toEqual({
      total: 1,
      deadLetters: [expect.objectContaining({ id: ids[7], eventId: 'order-7' })],
    });
    const byEitherId = await dashboard.api('/api/dead-letters?source=orders&id=order-7');
    expect((byEitherId.body.deadLetters as { id: string }[]).map((d) => d.id)).toEqual([ids[7]]);
    const bogus = await dashboard.api('/api/dead-letters?bogus=1&eventId=order-7');
    expect([bogus.status, bogus.body]).toEqual([
      400,
      {
        error: {
          code: 'invalid_filter',
          message: 'unknown filter bogus: it takes source, limit, id, eventId',
        },
      },
    ]);
    const dryRun = await dashboard.api('/api/dead-letters/replay', {
      ids: ['order-7', ids[8], 'order-404'],
      dryRun: true,
    });
    expect(dryRun.body).toEqual({ wouldReplay: 2, unmatched: ['order-404'] });
  });

  it('lists a dead letter stored with a stack trace (by an earlier hookrelay) as its outcome line', async () => {
    const id = ids[9]!;
    const queue = relay.queue('orders');
    const frames = '\n    at Worker.processFn (file:///app/apps/worker/dist/processor.js:55:19)';
    await dashboard.ops.queues.connection.hset(queue.toKey(id), {
      failedReason: 'HTTP 500 (attempt 2 of 2)',
      stacktrace: JSON.stringify([`UnrecoverableError: HTTP 500 (attempt 2 of 2)${frames}`]),
    });
    const listed = await dashboard.api(`/api/dead-letters?id=${id}`);
    expect(listed.body.deadLetters).toEqual([
      expect.objectContaining({ lastError: 'HTTP 500 (attempt 2 of 2)' }),
    ]);
    const board = await dashboard.api(`/api/queues/delivery.orders.default/${id}`);
    expect(board.body.job).toMatchObject({
      failedReason: 'HTTP 500 (attempt 2 of 2)',
      stacktrace: [],
    });
  });

  it('a dry run reports how many would be replayed and changes nothing', async () => {
    const before = await counts('orders');
    const deliveriesBefore = relay.backend.store.list().length;
    const { status, body } = await dashboard.api('/api/dead-letters/replay', {
      source: 'orders',
      dryRun: true,
    });
    expect(status).toBe(200);
    expect(body).toEqual({ wouldReplay: EVENTS });
    expect(await counts('orders')).toEqual(before);
    expect(relay.backend.store.list()).toHaveLength(deliveriesBefore);
  });

  it('a replayed event that fails again is dead-lettered again with its old and new attempts', async () => {
    const id = ids[0]!;
    expect((await dashboard.api('/api/dead-letters/replay', { ids: [id] })).body).toEqual({
      replayed: 1,
      skipped: 0,
    });
    const again = await waitFor(
      async () => {
        const { body } = await dashboard.api('/api/dead-letters?source=orders&limit=1000');
        return (
          body.deadLetters as {
            id: string;
            attempts: { attempt: number; outcome: string }[];
            replays: unknown[];
          }[]
        ).find((d) => d.id === id && d.attempts.length === 4);
      },
      { what: 'the replayed event dead again' },
    );
    expect(again.attempts.map((a) => `${a.attempt}:${a.outcome}`)).toEqual([
      '1:retry',
      '2:dead',
      '1:retry',
      '2:dead',
    ]);
    expect(again.replays).toHaveLength(1);
    expect(relay.backend.store.list({ id }).map((d) => d.headers['x-hookrelay-attempt'])).toEqual([
      '1',
      '2',
      '1',
      '2',
    ]);
  });

  it('a replay made while the source is paused waits for resume, then every dead event is delivered under its own id', async () => {
    expect((await dashboard.api('/api/sources/orders/pause', {})).body).toEqual({
      source: 'orders',
      paused: true,
      queues: ['delivery.orders.default'],
    });
    relay.backend.rules.set([]);
    expect((await dashboard.api('/api/dead-letters/replay', { source: 'orders' })).body).toEqual({
      replayed: EVENTS,
      skipped: 0,
    });
    expect(await counts('orders')).toMatchObject({
      waiting: EVENTS,
      delivering: 0,
      dead: 0,
      paused: true,
    });
    expect(ids.filter((id) => delivered(id).length > 0)).toEqual([]);

    await dashboard.api('/api/sources/orders/resume', {});
    await waitFor(async () => (await counts('orders')).delivered === EVENTS, {
      what: 'every replay delivered',
    });
    for (const id of ids) {
      const [delivery] = delivered(id);
      expect(delivery?.headers['x-hookrelay-id']).toBe(id);
      expect(delivery?.headers['x-hookrelay-attempt']).toBe('1');
    }
    expect(await counts('orders')).toMatchObject({ dead: 0, waiting: 0, paused: false });
    expect((await dashboard.api('/api/dead-letters?source=orders')).body).toEqual({
      total: 0,
      deadLetters: [],
    });
  });

  it('while a source is paused the ingress still answers 202 and nothing is delivered; resume delivers it all', async () => {
    await dashboard.api('/api/sources/orders/pause', {});
    const held: string[] = [];
    for (let n = 100; n < 110; n++) {
      const answer = await send('orders', n);
      expect(answer.status).toBe(202);
      held.push(answer.body!.id as string);
    }
    await relay.settled();
    expect(await counts('orders')).toMatchObject({ waiting: 10, delivering: 0, paused: true });
    expect(held.filter((id) => relay.backend.store.list({ id }).length > 0)).toEqual([]);
    await dashboard.api('/api/sources/orders/resume', {});
    await waitFor(() => held.every((id) => delivered(id).length === 1), {
      what: 'the held events delivered',
    });
  });

  it('a delivered event is delivered again by id while it is retained, to every destination that had it', async () => {
    const answer = await post(relay, '/webhooks/alerts', JSON.stringify({ type: 'disk.full' }));
    const id = answer.body!.id as string;
    await waitFor(
      async () =>
        (await counts('alerts', 'pager')).delivered === 1 &&
        (await counts('alerts', 'chat')).delivered === 1,
    );
    const { status, body } = await dashboard.api(`/api/events/${id}/replay`, {});
    expect(status).toBe(200);
    expect(body).toEqual({
      id,
      replayed: 2,
      deliveries: expect.arrayContaining([
        { source: 'alerts', destination: 'pager', from: 'delivered' },
        { source: 'alerts', destination: 'chat', from: 'delivered' },
      ]),
    });
    await waitFor(() => delivered(id).length === 4, {
      what: 'a second delivery to each destination',
    });
  });

  it("replays one event by the provider's id as well as by hookrelay's", async () => {
    const { status, body } = await dashboard.api('/api/events/order-105/replay', {});
    expect(status).toBe(200);
    expect(body).toEqual({
      id: expect.stringMatching(/^evt_/),
      replayed: 1,
      deliveries: [{ source: 'orders', destination: 'default', from: 'delivered' }],
    });
    const again = await waitFor(
      () => (delivered(body.id as string).length === 2 ? delivered(body.id as string) : undefined),
      { what: 'the event delivered again' },
    );
    expect(again.map((d) => (JSON.parse(d.body) as { id: string }).id)).toEqual([
      'order-105',
      'order-105',
    ]);
  });

  it('answers errors as JSON with a code: unknown source or event 404, bad filter or body 400, event still on its way 409', async () => {
    const cases: [string, unknown, number, string][] = [
      ['/api/sources/nope/pause', {}, 404, 'unknown_source'],
      ['/api/dead-letters/replay', { source: 'nope' }, 404, 'unknown_source'],
      ['/api/dead-letters?source=nope', undefined, 404, 'unknown_source'],
      ['/api/events/evt_missing/replay', {}, 404, 'event_not_found'],
      ['/api/dead-letters/replay', { since: 'last tuesday' }, 400, 'invalid_filter'],
      ['/api/dead-letters/replay', { since: '1h', until: '2h' }, 400, 'invalid_filter'],
      ['/api/dead-letters/replay', { sinse: '1h' }, 400, 'invalid_filter'],
      ['/api/dead-letters/replay', { ids: 'evt_1' }, 400, 'invalid_filter'],
      ['/api/dead-letters?limit=lots', undefined, 400, 'invalid_filter'],
      ['/api/dead-letters?limit=100000', undefined, 400, 'invalid_filter'],
      ['/api/dead-letters?eventid=order-1', undefined, 400, 'invalid_filter'],
      ['/api/sources?source=orders', undefined, 400, 'invalid_filter'],
    ];
    for (const [path, body, status, code] of cases) {
      const answer = await dashboard.api(path, body);
      expect([path, answer.status, answer.body]).toEqual([
        path,
        status,
        { error: { code, message: expect.any(String) } },
      ]);
    }
    await dashboard.api('/api/sources/alerts/pause', {});
    const pending = (await post(relay, '/webhooks/alerts', JSON.stringify({ type: 'cpu.hot' })))
      .body!.id as string;
    const early = await dashboard.api(`/api/events/${pending}/replay`, {});
    expect([early.status, early.body]).toEqual([
      409,
      { error: { code: 'event_not_finished', message: expect.any(String) } },
    ]);
    await dashboard.api('/api/sources/alerts/resume', {});
    const broken = await fetch(`${dashboard.http.url}/api/dead-letters/replay`, {
      method: 'POST',
      headers: { authorization: dashboard.basic, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({
      error: { code: 'body_invalid', message: expect.any(String) },
    });
  });

  it('logs every operator action, without credentials', () => {
    const messages = dashboard.logs.entries().map((entry) => entry.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'replay dry run',
        'dead letters replayed',
        'event replayed',
        'source paused',
        'source resumed',
      ]),
    );
    expect(dashboard.logs.find('dead letters replayed')[0]).toMatchObject({
      ids: 1,
      replayed: 1,
      skipped: 0,
      dryRun: false,
    });
    expect(dashboard.logs.lines.join('\n')).not.toContain('dashboard-test-password');
  });
});
