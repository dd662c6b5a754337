import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyOrder, storedOrderKey } from '@hookrelay/queue';
import { waitFor } from '@hookrelay/testing';
import { startOpsFixture, type OpsFixture } from './setup.js';

const SOURCES = `
  lines:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/lines", orderBy: body.key }
    retry: { attempts: 1 }
  bulk:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/bulk", orderBy: body.key }
    retry: { attempts: 1 }
  held:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/held", orderBy: body.key }
`;

/*
 * docs/ordering.md, as the ops API sees it. The fixture's stand-in worker does not claim keys, so
 * the tests release each finished head themselves, as apps/worker's processor does.
 */
describe('dead letters and replays of ordered deliveries', () => {
  let fx: OpsFixture;

  beforeAll(async () => {
    fx = await startOpsFixture(SOURCES);
  });
  afterAll(() => fx.close());

  /** The source's queue, its key order, and how to run one event of it to its end. */
  function destinationOf(source: string) {
    const { queue } = fx.ops.queues.ofSource(source)[0]!;
    const order = new KeyOrder(fx.connection, queue, fx.config.retention.deadMs);
    const line = (key: string) => fx.connection.lrange(order.keys.line(storedOrderKey(key)), 0, -1);
    /** Sends one event and waits for the stand-in worker to deliver it or dead-letter it. */
    const run = async (outcome: 'delivered' | 'dead', key?: string) => {
      fx.backendUp = outcome === 'delivered';
      const id = await fx.send(source, { orderKey: key });
      const finished = outcome === 'delivered' ? 'completed' : 'failed';
      await waitFor(async () => (await queue.getJobState(id)) === finished, {
        what: `${id} ${outcome}`,
      });
      if (key !== undefined) await order.release(key, id, outcome);
      return id;
    };
    return { queue, order, line, run };
  }

  it('a dead ordered event lists the events of its key delivered after it; replayed, it joins the back of its line and says so', async () => {
    fx.startWorker('lines');
    const { queue, order, line, run } = destinationOf('lines');
    const dead = await run('dead', 'booking-1');
    const after = [await run('delivered', 'booking-1'), await run('delivered', 'booking-1')];
    const unordered = await run('dead');
    const otherKey = await run('dead', 'booking-2');
    expect(await line('booking-1')).toEqual([]);

    const listed = (await fx.ops.listDeadLetters({ source: 'lines' })).deadLetters;
    const deliveredAfter = Object.fromEntries(listed.map((d) => [d.id, d.deliveredAfter]));
    expect(deliveredAfter).toEqual({ [dead]: after, [unordered]: [], [otherKey]: [] });

    // Held, so that what the replay does to the line stays there to be seen.
    await fx.ops.pauseSource('lines');
    const waiting = await fx.send('lines', { orderKey: 'booking-1' });
    expect(await line('booking-1')).toEqual([waiting]);

    expect(await fx.ops.replayEvent(dead)).toEqual({
      id: dead,
      replayed: 1,
      deliveries: [
        { source: 'lines', destination: 'default', from: 'dead', deliveredAfter: after },
      ],
    });
    expect(await line('booking-1')).toEqual([waiting, dead]);
    expect(await fx.connection.lrange(order.keys.dead('booking-1'), 0, -1)).toEqual([]);
    expect(await queue.getJobState(dead)).not.toBe('failed');

    // A delivered ordered event replayed joins the back too, and nothing went ahead of it.
    expect((await fx.ops.replayEvent(after[0]!)).deliveries).toEqual([
      { source: 'lines', destination: 'default', from: 'delivered' },
    ]);
    expect(await line('booking-1')).toEqual([waiting, dead, after[0]]);
    // An unordered one joins no line and says nothing of one.
    expect((await fx.ops.replayEvent(unordered)).deliveries).toEqual([
      { source: 'lines', destination: 'default', from: 'dead' },
    ]);
    expect(await line('booking-1')).toEqual([waiting, dead, after[0]]);
  });

  it('a bulk replay puts each ordered event back in its line and counts those that were overtaken', async () => {
    fx.startWorker('bulk');
    const { line, run } = destinationOf('bulk');
    const overtaken = await run('dead', 'a');
    await run('delivered', 'a');
    const alone = await run('dead', 'b');
    await run('dead');
    await fx.ops.pauseSource('bulk');

    expect(await fx.ops.replayDeadLetters({ source: 'bulk' })).toEqual({
      searched: ['bulk'],
      unmatched: [],
      dryRun: false,
      replayed: 3,
      skipped: 0,
      overtaken: 1,
    });
    expect([await line('a'), await line('b')]).toEqual([[overtaken], [alone]]);
    expect((await fx.ops.listDeadLetters({ source: 'bulk' })).total).toBe(0);
  });

  it("an event parked for its key's turn is counted and named waiting, not scheduled", async () => {
    const { order } = destinationOf('held');
    // The key's head is held by `event.delayUntil`; the worker parked the next one behind it.
    const head = await fx.send('held', { orderKey: 'c', delayMs: 60_000 });
    const next = await fx.send('held', { orderKey: 'c', delayMs: 60_000 });
    expect(await order.claim('c', next)).toBe(false);
    expect(await order.park('c', next)).toBe(false);

    expect((await fx.ops.sourceCounts('held'))[0]!.destinations[0]).toMatchObject({
      waiting: 1,
      scheduled: 1,
    });
    const statusOf = async (id: string) =>
      (await fx.ops.listEvents({ source: 'held' })).items.find((item) => item.id === id)?.status;
    expect([await statusOf(head), await statusOf(next)]).toEqual(['scheduled', 'waiting']);
    await expect(fx.ops.replayEvent(next)).rejects.toMatchObject({
      code: 'event_not_finished',
      statuses: ['waiting'],
    });
  });
});
