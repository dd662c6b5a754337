import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import {
  countEvents,
  createRedis,
  eventStatusOf,
  glanceAtEvents,
  KeyOrder,
  type RedisClient,
} from '../src/index.js';

type Outcome = 'ok' | 'retry' | 'dead' | 'hold';

describe('event statuses', () => {
  it('name each BullMQ state once, telling retries from scheduled events by their attempts', () => {
    expect(
      (
        ['waiting', 'prioritized', 'waiting-children', 'active', 'completed', 'failed'] as const
      ).map((state) => eventStatusOf(state, 0)),
    ).toEqual(['waiting', 'waiting', 'waiting', 'delivering', 'delivered', 'dead']);
    expect(eventStatusOf('delayed', 0)).toBe('scheduled');
    expect(eventStatusOf('delayed', 2)).toBe('retrying');
    expect(eventStatusOf('delayed', 0, true)).toBe('waiting');
    expect(eventStatusOf('unknown', 0)).toBeUndefined();
  });

  describe('counted in one queue', () => {
    let redis: TestRedis;
    let client: RedisClient;
    let queue: Queue<{ outcome: Outcome }>;
    let worker: Worker<{ outcome: Outcome }>;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));

    beforeAll(async () => {
      redis = await startTestRedis();
      client = createRedis({ url: redis.url, prefix: 'statustest' }, 'consumer', 'status-test');
      queue = new Queue('delivery.shop.default', { connection: client, prefix: 'statustest' });
      worker = new Worker(
        queue.name,
        async (job: Job<{ outcome: Outcome }>) => {
          if (job.data.outcome === 'retry') throw new Error('HTTP 500');
          if (job.data.outcome === 'dead') throw new UnrecoverableError('HTTP 400');
          if (job.data.outcome === 'hold') await held;
        },
        {
          connection: client,
          prefix: 'statustest',
          concurrency: 1,
          settings: { backoffStrategy: () => 60_000 },
        },
      );
    });
    afterAll(async () => {
      release();
      await worker.close();
      await queue.close();
      client.disconnect();
      await redis.cleanup();
    });

    it('counts every status, scheduled and retrying apart', async () => {
      const options = { attempts: 3, backoff: { type: 'custom' } };
      for (const outcome of ['ok', 'ok', 'dead', 'retry'] as const)
        await queue.add('event', { outcome }, options);
      await waitFor(async () => {
        const counts = await queue.getJobCounts('completed', 'failed', 'delayed');
        return counts.completed === 2 && counts.failed === 1 && counts.delayed === 1;
      });
      await queue.add('event', { outcome: 'ok' }, { delay: 60_000 });
      await queue.add('event', { outcome: 'hold' });
      await waitFor(async () => (await queue.getActiveCount()) === 1);
      await queue.add('event', { outcome: 'ok' });
      await queue.add('event', { outcome: 'ok' }, { priority: 1_000 });

      expect(await countEvents(queue, client)).toEqual({
        waiting: 2,
        scheduled: 1,
        delivering: 1,
        retrying: 1,
        delivered: 2,
        dead: 1,
      });
    });

    it("counts an ordered event parked until its key's turn as waiting, not scheduled", async () => {
      const order = new KeyOrder(client, queue, 60_000);
      const before = await countEvents(queue, client);
      // The key's head, held by `event.delayUntil`, and the next event of its key behind it: the
      // worker moved the latter to the delayed set (attemptsMade 0), then parked it.
      const head = await queue.add('event', { outcome: 'ok' }, { delay: 60_000 });
      const next = await queue.add('event', { outcome: 'ok' }, { delay: 60_000 });
      await client.rpush(order.keys.line('booking-1'), head.id!, next.id!);
      expect(await order.claim('booking-1', next.id!)).toBe(false);
      expect(await order.park('booking-1', next.id!)).toBe(false);
      expect(await client.smembers(order.keys.parked())).toEqual([next.id]);
      // An id the set still names after its event left the delayed set counts as nothing.
      await client.sadd(order.keys.parked(), 'promoted-meanwhile');

      expect(await countEvents(queue, client)).toEqual({
        ...before,
        waiting: before.waiting + 1,
        scheduled: before.scheduled + 1,
      });
      expect(
        await glanceAtEvents(client, [
          { queue, id: head.id! },
          { queue, id: next.id! },
        ]),
      ).toEqual([
        expect.objectContaining({ status: 'scheduled', parked: false, attemptsMade: 0 }),
        expect.objectContaining({ status: 'waiting', parked: true, attemptsMade: 0 }),
      ]);
    });
  });
});
