import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryJobData } from '@hookrelay/queue';
import { waitFor } from '@hookrelay/testing';
import { InvalidFilterError, REPLAY_PRIORITY, UnknownSourceError } from '../src/index.js';
import { startOpsFixture, type OpsFixture } from './setup.js';

const SOURCES = `
  shop:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/shop" }
    retry: { attempts: 2 }
  other:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/other" }
    retry: { attempts: 1 }
  busy:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/busy" }
    retry: { attempts: 1 }
  slow:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/slow" }
    retry: { attempts: 3 }
  healed:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/healed" }
    retry: { attempts: 1 }
  cycle:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/cycle" }
    retry: { attempts: 2 }
  kept:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/kept" }
    retry: { attempts: 1 }
  legacy:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/legacy" }
    retry: { attempts: 1 }
`;

describe('replaying dead-lettered deliveries', () => {
  let fx: OpsFixture;
  const deadCount = async (source = 'shop') =>
    (await fx.ops.sourceCounts(source))[0]!.destinations[0]!.dead;

  beforeAll(async () => {
    fx = await startOpsFixture(SOURCES);
  });
  afterAll(() => fx.close());

  // Each test has a source of its own and sets the backend's answer it needs, so any one runs alone.
  it('a dead event replayed keeps its id, gets a fresh attempt budget, and dies again with its old and new attempts', async () => {
    fx.backendUp = false;
    fx.startWorker('shop');
    const id = await fx.send('shop');
    await waitFor(async () => (await deadCount()) === 1, { what: 'the event to die' });

    const dryRun = await fx.ops.replayDeadLetters({ source: 'shop', dryRun: true });
    expect(dryRun).toEqual({ dryRun: true, wouldReplay: 1, searched: ['shop'], unmatched: [] });
    expect(await deadCount()).toBe(1);

    expect(await fx.ops.replayDeadLetters({ source: 'shop' })).toMatchObject({
      dryRun: false,
      replayed: 1,
      skipped: 0,
    });
    await waitFor(
      async () =>
        (await deadCount()) === 1 &&
        (await fx.ops.listDeadLetters({ source: 'shop' })).deadLetters[0]?.attempts.length === 4,
      {
        what: 'the replayed event to die again',
      },
    );
    const [dead] = (await fx.ops.listDeadLetters({ source: 'shop' })).deadLetters;
    expect(dead).toMatchObject({
      id,
      source: 'shop',
      destination: 'default',
      attemptsMade: 2,
      lastStatus: 500,
      lastError: 'HTTP 500',
    });
    expect(dead!.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'retry'],
      [2, 'dead'],
      [1, 'retry'],
      [2, 'dead'],
    ]);
    expect(dead!.replays).toEqual([{ replayedAt: expect.any(Number), from: 'dead' }]);
    const job = await fx.ops.queues.ofSource('shop')[0]!.queue.getJob(id);
    expect(job!.priority).toBe(REPLAY_PRIORITY);
  });

  it('a replayed event is delivered once the backend is healthy, under the same id, and the dead set is empty', async () => {
    fx.backendUp = false;
    fx.startWorker('healed');
    const id = await fx.send('healed');
    await waitFor(async () => (await deadCount('healed')) === 1, { what: 'the event to die' });

    fx.backendUp = true;
    expect(await fx.ops.replayDeadLetters({ ids: [id] })).toMatchObject({
      dryRun: false,
      replayed: 1,
      skipped: 0,
      unmatched: [],
    });
    const queue = fx.ops.queues.ofSource('healed')[0]!.queue;
    await waitFor(async () => (await queue.getJobState(id)) === 'completed', {
      what: 'delivery',
    });
    expect(await deadCount('healed')).toBe(0);
    expect(fx.taken.filter((taken) => taken === id)).toHaveLength(2);
    // The failed attempt and the marker in the log; the delivered attempt is the return value.
    const { logs } = await queue.getJobLogs(id);
    expect(logs.map((line) => JSON.parse(line) as { outcome?: string; from?: string })).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'dead' }),
      expect.objectContaining({ from: 'failed' }),
    ]);
    expect((await queue.getJob(id))!.returnvalue).toMatchObject({
      attempt: 1,
      outcome: 'delivered',
    });
    const [delivery] = (await fx.ops.showEvent(id)).deliveries;
    expect(delivery!.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'dead'],
      [1, 'delivered'],
    ]);
  });

  it('delivered, replayed and dead, replayed and delivered: every attempt is read back in order, the first delivery too', async () => {
    fx.backendUp = true;
    fx.startWorker('cycle');
    const queue = fx.ops.queues.ofSource('cycle')[0]!.queue;
    const id = await fx.send('cycle');
    await waitFor(async () => (await queue.getJobState(id)) === 'completed', {
      what: 'the first delivery',
    });
    const history = async () => {
      const [delivery] = (await fx.ops.showEvent(id)).deliveries;
      return {
        attempts: delivery!.attempts.map((a) => `${a.attempt} ${a.outcome} ${a.status}`),
        replays: delivery!.replays.map((r) => r.from),
      };
    };
    expect(await history()).toEqual({ attempts: ['1 delivered 200'], replays: [] });
    const firstDelivery = (await queue.getJob(id))!.returnvalue as { at: number };

    // Replayed while the backend is down: BullMQ drops the return value, the log kept a copy.
    fx.backendUp = false;
    expect(await fx.ops.replayEvent(id)).toMatchObject({ replayed: 1 });
    await waitFor(async () => (await deadCount('cycle')) === 1, { what: 'the replay to die' });
    const [dead] = (await fx.ops.listDeadLetters({ source: 'cycle' })).deadLetters;
    expect(dead!.attempts.map((a) => `${a.attempt} ${a.outcome} ${a.status}`)).toEqual([
      '1 delivered 200',
      '1 retry 500',
      '2 dead 500',
    ]);
    expect(dead!.attempts[0]!.at).toBe(firstDelivery.at);
    expect(dead!.replays.map((r) => r.from)).toEqual(['delivered']);
    expect(dead!.lastStatus).toBe(500);

    // Replayed again once the backend is back: delivered a second time.
    fx.backendUp = true;
    expect(await fx.ops.replayEvent(id)).toMatchObject({ replayed: 1 });
    await waitFor(async () => (await queue.getJobState(id)) === 'completed', {
      what: 'the second delivery',
    });
    expect(await history()).toEqual({
      attempts: ['1 delivered 200', '1 retry 500', '2 dead 500', '1 delivered 200'],
      replays: ['delivered', 'dead'],
    });
    const { items } = await fx.ops.listEvents({ source: 'cycle' });
    expect(items).toEqual([
      expect.objectContaining({ id, status: 'delivered', lastStatus: 200, lastError: null }),
    ]);
  });

  it('a delivered event can be replayed by id while it is retained', async () => {
    fx.backendUp = true;
    fx.startWorker('kept');
    const queue = fx.ops.queues.ofSource('kept')[0]!.queue;
    const id = await fx.send('kept');
    await waitFor(async () => (await queue.getJobState(id)) === 'completed');
    const before = fx.taken.filter((taken) => taken === id).length;
    expect(await fx.ops.replayEvent(id)).toEqual({
      id,
      replayed: 1,
      deliveries: [{ source: 'kept', destination: 'default', from: 'delivered' }],
    });
    await waitFor(() => fx.taken.filter((taken) => taken === id).length === before + 1, {
      what: 'second delivery',
    });
    await waitFor(async () => (await queue.getJobState(id)) === 'completed');
  });

  it('a time window selects dead events by when they were received', async () => {
    fx.backendUp = false;
    fx.startWorker('other');
    const early = await fx.send('other');
    await waitFor(async () => (await deadCount('other')) === 1);
    const between = Date.now() + 5;
    await waitFor(() => Date.now() > between + 5, { intervalMs: 5 });
    const late = await fx.send('other');
    await waitFor(async () => (await deadCount('other')) === 2);

    const count = async (window: { since?: string | number; until?: string | number }) => {
      const outcome = await fx.ops.replayDeadLetters({ source: 'other', ...window, dryRun: true });
      return outcome.dryRun ? outcome.wouldReplay : -1;
    };
    expect(await count({ since: between })).toBe(1);
    expect(await count({ until: new Date(between).toISOString() })).toBe(1);
    expect(await count({ since: '1h' })).toBe(2);
    expect(await count({ until: '1h' })).toBe(0);
    expect(await fx.ops.replayDeadLetters({ source: 'other', since: between })).toMatchObject({
      replayed: 1,
    });
    await waitFor(
      async () =>
        (await fx.ops.listDeadLetters({ source: 'other' })).deadLetters.find((d) => d.id === late)
          ?.replays.length === 1,
    );
    const early1 = (await fx.ops.listDeadLetters({ source: 'other' })).deadLetters.find(
      (d) => d.id === early,
    );
    expect(early1?.replays).toEqual([]);
  });

  it('an unknown source and an unreadable window are refused with typed errors', async () => {
    await expect(fx.ops.replayDeadLetters({ source: 'nope' })).rejects.toBeInstanceOf(
      UnknownSourceError,
    );
    await expect(fx.ops.sourceCounts('nope')).rejects.toMatchObject({
      status: 404,
      code: 'unknown_source',
    });
    await expect(fx.ops.replayEvent('evt_never')).rejects.toMatchObject({
      status: 404,
      code: 'event_not_found',
    });
    await expect(fx.ops.listDeadLetters({ source: 'nope' })).rejects.toBeInstanceOf(
      UnknownSourceError,
    );
    await expect(fx.ops.pauseSource('nope')).rejects.toBeInstanceOf(UnknownSourceError);
    await expect(fx.ops.replayDeadLetters({ since: 'yesterday-ish' })).rejects.toBeInstanceOf(
      InvalidFilterError,
    );
    await expect(fx.ops.replayDeadLetters({ since: '1h', until: '2h' })).rejects.toBeInstanceOf(
      InvalidFilterError,
    );
    await expect(fx.ops.listDeadLetters({ limit: 0 })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_filter',
    });
  });

  it('replays wait behind fresh events: the worker takes every fresh event first', async () => {
    fx.backendUp = false;
    fx.startWorker('busy');
    for (let i = 0; i < 3; i++) await fx.send('busy');
    await waitFor(async () => (await deadCount('busy')) === 3);
    const dead = new Set(
      (await fx.ops.listDeadLetters({ source: 'busy' })).deadLetters.map((d) => d.id),
    );

    await fx.ops.pauseSource('busy');
    expect(await fx.ops.replayDeadLetters({ source: 'busy' })).toMatchObject({ replayed: 3 });
    const fresh = [await fx.send('busy'), await fx.send('busy'), await fx.send('busy')];
    const [counts] = await fx.ops.sourceCounts('busy');
    expect(counts).toMatchObject({
      paused: true,
      destinations: [{ waiting: 6, dead: 0, paused: true }],
    });

    fx.backendUp = true;
    fx.taken.length = 0;
    await fx.ops.resumeSource('busy');
    await waitFor(() => fx.taken.length === 6, { what: 'six deliveries' });
    expect(fx.taken.slice(0, 3).sort()).toEqual([...fresh].sort());
    expect(new Set(fx.taken.slice(3))).toEqual(dead);
  });

  it('an event stored before job data carried a version is listed and replayed like any other', async () => {
    fx.backendUp = false;
    fx.startWorker('legacy');
    const queue = fx.ops.queues.ofSource('legacy')[0]!.queue;
    const id = 'evt_stored_before_versions';
    // Job data as the enqueuer wrote it before `version` (version 0).
    const unversioned = {
      id,
      source: 'legacy',
      requestId: 'req-legacy',
      receivedAt: Date.parse('2026-05-01T10:00:00Z'),
      eventId: 'ord_1',
      eventType: 'order.paid',
      headers: {},
      body: '{}',
      bodyEncoding: 'utf8',
      destination: 'default',
    };
    await queue.add(
      'order.paid',
      unversioned as Omit<DeliveryJobData, 'version'> as DeliveryJobData,
      {
        jobId: id,
        attempts: 1,
      },
    );
    await waitFor(async () => (await deadCount('legacy')) === 1, { what: 'the event to die' });
    const [dead] = (await fx.ops.listDeadLetters({ source: 'legacy' })).deadLetters;
    expect(dead).toMatchObject({
      id,
      eventId: 'ord_1',
      eventType: 'order.paid',
      receivedAt: '2026-05-01T10:00:00.000Z',
    });
    fx.backendUp = true;
    expect(await fx.ops.replayDeadLetters({ source: 'legacy' })).toMatchObject({ replayed: 1 });
    await waitFor(async () => (await queue.getJobState(id)) === 'completed', { what: 'delivery' });
  });

  it('counts say waiting, scheduled, delivering, retrying, delivered and dead, and tell retries from scheduled events', async () => {
    fx.backendUp = false;
    fx.backoffMs = 60_000;
    fx.startWorker('slow');
    const retrying = await fx.send('slow');
    const scheduled = await fx.send('slow', { delayMs: 60_000 });
    await waitFor(
      async () => (await fx.ops.sourceCounts('slow'))[0]!.destinations[0]!.retrying === 1,
      { what: 'a retrying delivery' },
    );
    const [slow] = await fx.ops.sourceCounts('slow');
    expect(slow!.destinations[0]).toEqual({
      name: 'default',
      queue: 'delivery.slow.default',
      waiting: 0,
      scheduled: 1,
      delivering: 0,
      retrying: 1,
      delivered: 0,
      dead: 0,
      paused: false,
      breaker: 'closed',
    });
    await expect(fx.ops.replayEvent(retrying)).rejects.toMatchObject({
      status: 409,
      code: 'event_not_finished',
      statuses: ['retrying'],
    });
    await expect(fx.ops.replayEvent(scheduled)).rejects.toMatchObject({
      statuses: ['scheduled'],
    });
  });
});
