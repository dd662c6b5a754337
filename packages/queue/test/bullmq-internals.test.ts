import { Job, UnrecoverableError, Worker, type Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import {
  attemptsMadeOf,
  createdAtOf,
  createRedis,
  failedSince,
  glanceAt,
  inFailedSet,
  OrderKeys,
  queueClassOf,
  type RedisClient,
} from '../src/index.js';

/*
 * What src/bullmq-internals.ts relies on, checked against BullMQ on a real Redis. When one of these
 * fails after a BullMQ upgrade, BullMQ changed something hookrelay reads past its public API:
 * fix bullmq-internals.ts (and only it) before moving the pinned range in package.json.
 */

class MarkedJob extends Job {}
const MarkedQueue = queueClassOf<{ n: number }>(MarkedJob);

describe('BullMQ internals hookrelay depends on', () => {
  let redis: TestRedis;
  let client: RedisClient;
  let queue: Queue<{ n: number }>;
  let worker: Worker | undefined;
  let seq = 0;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedis({ url: redis.url, prefix: 'bulltest' }, 'consumer', 'bullmq-internals');
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await queue?.close();
  });
  afterAll(async () => {
    client.disconnect();
    await redis.cleanup();
  });

  /** A fresh queue per test, whose jobs fail (retried after a minute) until `fail` says not. */
  function open(fail: (job: Job) => 'retry' | 'dead' | 'ok' = () => 'ok') {
    const name = `internals-${++seq}`;
    queue = new MarkedQueue(name, { connection: client, prefix: 'bulltest' });
    worker = new Worker(
      name,
      async (job) => {
        const outcome = fail(job);
        if (outcome === 'retry') throw new Error('retry');
        if (outcome === 'dead') throw new UnrecoverableError('dead');
      },
      { connection: client, prefix: 'bulltest', settings: { backoffStrategy: () => 60_000 } },
    );
    return queue;
  }

  it('the job hash keeps attempts made in `atm`: 0 before an attempt, 1 after a failed one', async () => {
    const q = open(() => 'retry');
    const retried = await q.add('x', { n: 1 }, { attempts: 3, backoff: { type: 'custom' } });
    const scheduled = await q.add('x', { n: 2 }, { delay: 60_000 });
    await waitFor(async () => (await q.getJob(retried.id!))?.attemptsMade === 1);
    expect(await q.getJobState(retried.id!)).toBe('delayed');
    expect(await client.hget(q.toKey(retried.id!), 'atm')).toBe('1');
    expect(await attemptsMadeOf(client, q, [retried.id!, scheduled.id!, 'missing'])).toEqual([
      1, 0, 0,
    ]);
    expect(new Set(await q.getRanges(['delayed'], 0, -1))).toEqual(
      new Set([retried.id, scheduled.id]),
    );
  });

  it('the job hash keeps the creation time in `timestamp`, and a retry leaves it alone', async () => {
    let dead = true;
    const q = open(() => (dead ? 'dead' : 'ok'));
    const added = await q.add('x', { n: 1 });
    await waitFor(async () => (await q.getJobState(added.id!)) === 'failed');
    expect(await createdAtOf(client, q, [added.id!, 'missing'])).toEqual([
      added.timestamp,
      Number.NaN,
    ]);
    dead = false;
    await (await q.getJob(added.id!))!.retry('failed');
    await waitFor(async () => (await q.getJobState(added.id!)) === 'completed');
    expect(await createdAtOf(client, q, [added.id!])).toEqual([added.timestamp]);
  });

  it('the failed set is a sorted set of job ids scored by finishedOn', async () => {
    const q = open(() => 'dead');
    const first = await q.add('x', { n: 1 });
    await waitFor(async () => (await q.getJobState(first.id!)) === 'failed');
    const between = Date.now() + 1;
    await waitFor(() => Date.now() > between, { intervalMs: 2 });
    const second = await q.add('x', { n: 2 });
    await waitFor(async () => (await q.getJobState(second.id!)) === 'failed');
    const finishedOn = (await q.getJob(second.id!))!.finishedOn!;
    expect(Number(await client.zscore(q.toKey('failed'), second.id!))).toBe(finishedOn);
    expect(await failedSince(client, q, undefined)).toEqual([first.id, second.id]);
    expect(await failedSince(client, q, between)).toEqual([second.id]);
    expect(await inFailedSet(client, q, [second.id!, 'missing'])).toEqual([true, false]);
  });

  it("the queue's getters hand out jobs of the class its protected Job getter returns", async () => {
    const q = open(() => 'dead');
    const added = await q.add('x', { n: 1 });
    await waitFor(async () => (await q.getJobState(added.id!)) === 'failed');
    expect(await q.getJob(added.id!)).toBeInstanceOf(MarkedJob);
    for (const job of [...(await q.getFailed()), ...(await q.getJobs(['failed']))])
      expect(job).toBeInstanceOf(MarkedJob);
  });

  it('a finished job whose priority was changed is retried into the prioritized set with that priority', async () => {
    const q = open(() => 'dead');
    const added = await q.add('x', { n: 1 });
    await waitFor(async () => (await q.getJobState(added.id!)) === 'failed');
    await worker!.close();
    const job = (await q.getJob(added.id!))!;
    await job.changePriority({ priority: 1_000 });
    await job.retry('failed', { resetAttemptsMade: true });
    expect(await q.getJobState(added.id!)).toBe('prioritized');
    expect((await q.getJob(added.id!))!.priority).toBe(1_000);
  });

  it('glanceAt tells every state from the hash, the sets, the lock and the log, without the payload', async () => {
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const q = open((job) => (job.data.n === 1 ? 'retry' : job.data.n === 2 ? 'dead' : 'ok'));
    await worker!.close();
    worker = new Worker(
      q.name,
      async (job) => {
        await job.log(`line of ${job.data.n}`);
        if (job.data.n === 1) throw new Error('retry');
        if (job.data.n === 2) throw new UnrecoverableError('dead in one line');
        if (job.data.n === 4) await held;
      },
      { connection: client, prefix: 'bulltest', settings: { backoffStrategy: () => 60_000 } },
    );
    const retrying = await q.add('x', { n: 1 }, { attempts: 3, backoff: { type: 'custom' } });
    const dead = await q.add('x', { n: 2 });
    const delivered = await q.add('x', { n: 3 });
    const delivering = await q.add('x', { n: 4 });
    const scheduled = await q.add('x', { n: 5 }, { delay: 60_000 });
    const glance = (id: string) => glanceAt(client, [{ queue: q, id }]).then(([g]) => g);
    await waitFor(async () => (await glance(delivering.id!))?.state === 'active');
    await waitFor(async () => (await glance(dead.id!))?.state === 'failed');
    await waitFor(async () => (await glance(retrying.id!))?.state === 'delayed');
    await waitFor(async () => (await glance(delivered.id!))?.state === 'completed');
    expect(await glance(scheduled.id!)).toMatchObject({ state: 'delayed', attemptsMade: 0 });
    expect(await glance(dead.id!)).toMatchObject({
      attemptsMade: 1,
      failedReason: 'dead in one line',
      lastLogLines: ['line of 2'],
      finishedOn: expect.any(Number),
    });
    expect(await glance(delivered.id!)).toMatchObject({
      attemptsMade: 1,
      lastLogLines: ['line of 3'],
    });
    expect(await glance('missing')).toBeUndefined();
    await worker!.pause(true).catch(() => undefined);
    const waiting = await q.add('x', { n: 6 });
    expect(await glance(waiting.id!)).toMatchObject({ state: 'waiting', attemptsMade: 0 });
    expect(await glance(scheduled.id!)).toMatchObject({ parked: false });
    release!();
  });

  it("glanceAt says parked for a delayed job in the queue's parked set (docs/ordering.md), and only for a delayed one", async () => {
    const q = open();
    await worker!.close();
    worker = undefined;
    const parked = await q.add('x', { n: 1 }, { delay: 60_000 });
    const scheduled = await q.add('x', { n: 2 }, { delay: 60_000 });
    const waiting = await q.add('x', { n: 3 });
    const parkedSet = new OrderKeys(q).parked();
    expect(parkedSet).toBe(q.toKey('order-parked'));
    // `waiting`: promoted a moment ago, not yet taken out of the set by its claim.
    await client.sadd(parkedSet, parked.id!, waiting.id!);
    expect(
      await glanceAt(client, [
        { queue: q, id: parked.id! },
        { queue: q, id: scheduled.id! },
        { queue: q, id: waiting.id! },
      ]),
    ).toEqual([
      expect.objectContaining({ state: 'delayed', parked: true, attemptsMade: 0 }),
      expect.objectContaining({ state: 'delayed', parked: false, attemptsMade: 0 }),
      expect.objectContaining({ state: 'waiting', parked: false, attemptsMade: 0 }),
    ]);
  });
});
