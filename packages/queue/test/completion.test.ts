import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import {
  createRedis,
  deliveredAttemptOf,
  deliveredAttemptsOf,
  withCompletion,
  type AttemptRecord,
  type RedisClient,
} from '../src/index.js';

const delivered: AttemptRecord = {
  attempt: 2,
  at: 1_700_000_000_000,
  durationMs: 12,
  status: 200,
  outcome: 'delivered',
  response: '{"ok":true}',
  responseType: 'application/json',
};
const failed: AttemptRecord = {
  attempt: 1,
  at: 1_699_999_999_000,
  durationMs: 5,
  status: 500,
  outcome: 'retry',
};

describe('the delivered attempt kept as the job return value', () => {
  it('is read from a return value that is a delivered record, and from nothing else', () => {
    expect(deliveredAttemptOf(delivered)).toBe(delivered);
    // What a hookrelay from before returned: no record (its delivered record is in the log).
    expect(deliveredAttemptOf({ status: 200, attempt: 1, durationMs: 3 })).toBeUndefined();
    expect(deliveredAttemptOf({ ...failed })).toBeUndefined();
    for (const value of [undefined, null, 'x', 3])
      expect(deliveredAttemptOf(value)).toBeUndefined();
  });

  it('comes after the logged attempts, once: a copy a replay made is not counted twice', () => {
    expect(withCompletion([failed], delivered)).toEqual([failed, delivered]);
    expect(withCompletion([failed], undefined)).toEqual([failed]);
    expect(withCompletion([delivered, failed], null)).toEqual([delivered, failed]);
    expect(withCompletion([failed, { ...delivered }], delivered)).toEqual([failed, delivered]);
  });

  describe('read back from Redis', () => {
    let redis: TestRedis;
    let client: RedisClient;
    let queue: Queue;
    let worker: Worker;

    beforeAll(async () => {
      redis = await startTestRedis();
      client = createRedis({ url: redis.url, prefix: 'completiontest' }, 'consumer', 'completion');
      queue = new Queue('delivery.shop.default', { connection: client, prefix: 'completiontest' });
      worker = new Worker(
        queue.name,
        (job) => {
          const outcome = (job.data as { outcome: string }).outcome;
          if (outcome === 'dead') throw new UnrecoverableError('HTTP 400');
          return Promise.resolve(
            outcome === 'record' ? delivered : { status: 200, attempt: 1, durationMs: 3 },
          );
        },
        { connection: client, prefix: 'completiontest' },
      );
    });
    afterAll(async () => {
      await worker.close();
      await queue.close();
      client.disconnect();
      await redis.cleanup();
    });

    it('for each job in one pipeline: the record of a delivered job, nothing for the others', async () => {
      for (const id of ['record', 'legacy', 'dead'])
        await queue.add('delivery', { outcome: id }, { jobId: id });
      await waitFor(async () => {
        const counts = await queue.getJobCounts('completed', 'failed');
        return counts.completed === 2 && counts.failed === 1;
      });
      const jobs = ['record', 'legacy', 'dead', 'gone'].map((id) => ({ queue, id }));
      expect(await deliveredAttemptsOf(client, jobs)).toEqual([
        delivered,
        undefined,
        undefined,
        undefined,
      ]);
      expect(await deliveredAttemptsOf(client, [])).toEqual([]);
      expect(deliveredAttemptOf((await queue.getJob('record'))!.returnvalue)).toEqual(delivered);
    });
  });
});
