import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '@hookrelay/testing';
import {
  createRedis,
  KeyOrder,
  newEventId,
  storedOrderKey,
  type RedisClient,
} from '../src/index.js';

/** The order scripts (docs/ordering.md) on a real Redis, against real BullMQ jobs. */
describe('KeyOrder', () => {
  let redis: TestRedis;
  let client: RedisClient;
  let queue: Queue;
  let order: KeyOrder;
  let seq = 0;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedis({ url: redis.url, prefix: 'ordertest' }, 'consumer', 'order-test');
    queue = new Queue('delivery.s.d', { connection: client, prefix: 'ordertest' });
    order = new KeyOrder(client, queue, 60_000);
  });
  afterAll(async () => {
    await queue.close();
    client.disconnect();
    await redis.cleanup();
  });

  const key = () => `booking-${++seq}`;
  const line = (k: string) => client.lrange(order.keys.line(k), 0, -1);
  /** A job that waits far in the future (so nothing takes it), in line for `k`. */
  async function queued(k: string, { job = true } = {}): Promise<string> {
    const id = newEventId();
    await client.rpush(order.keys.line(k), id);
    if (job) await queue.add('e', {}, { jobId: id, delay: 3_600_000 });
    return id;
  }

  it('lets the head go and holds the rest, in the order they joined', async () => {
    const k = key();
    const [a, b, c] = [await queued(k), await queued(k), await queued(k)];
    expect(await order.claim(k, a)).toBe(true);
    expect(await order.claim(k, b)).toBe(false);
    expect(await order.claim(k, c)).toBe(false);
    await order.release(k, a, 'delivered');
    expect(await line(k)).toEqual([b, c]);
    expect(await order.claim(k, c)).toBe(false);
    expect(await order.claim(k, b)).toBe(true);
  });

  it('puts an event that is in no line (a replay, a retry after a crash) at the back', async () => {
    const k = key();
    const head = await queued(k);
    const stray = newEventId();
    await queue.add('e', {}, { jobId: stray, delay: 3_600_000 });
    expect(await order.claim(k, stray)).toBe(false);
    expect(await line(k)).toEqual([head, stray]);
    // Alone, it is the head at once.
    const alone = key();
    expect(await order.claim(alone, stray)).toBe(true);
    expect(await line(alone)).toEqual([stray]);
  });

  it('drops heads whose job is gone or finished: a duplicate, or a release that never ran', async () => {
    const k = key();
    const phantom = await queued(k, { job: false });
    const finished = await queued(k);
    const next = await queued(k);
    await client.zadd(`${order.keys.jobPrefix}completed`, Date.now(), finished);
    expect(await order.claim(k, next)).toBe(true);
    expect(await line(k)).toEqual([next]);
    expect(phantom).not.toBe(next);
  });

  it('parks a waiting event, and the release of its head promotes it to waiting', async () => {
    const k = key();
    const [head, behind] = [await queued(k), await queued(k)];
    expect(await order.claim(k, behind)).toBe(false);
    expect(await client.sismember(order.keys.parked(), behind)).toBe(1);
    expect(await order.park(k, behind)).toBe(false);
    expect(await queue.getJobState(behind)).toBe('delayed');
    await order.release(k, head, 'delivered');
    expect(await queue.getJobState(behind)).toBe('waiting');
    // Its claim, now the head, takes it out of the parked set.
    expect(await order.claim(k, behind)).toBe(true);
    expect(await client.sismember(order.keys.parked(), behind)).toBe(0);
  });

  it('promotes an event at once when it became the head while it was being parked', async () => {
    const k = key();
    const head = await queued(k);
    const behind = await queued(k);
    expect(await order.claim(k, behind)).toBe(false);
    // The head's release ran between the claim and the park: it found the event not delayed yet.
    await order.release(k, head, 'delivered');
    expect(await order.park(k, behind)).toBe(true);
    expect(await queue.getJobState(behind)).toBe('waiting');
    expect(await order.claim(k, behind)).toBe(true);
    expect(await client.sismember(order.keys.parked(), behind)).toBe(0);
  });

  it('remembers a dead head and names the events of its key delivered after it', async () => {
    const k = key();
    const [dead, second, third] = [await queued(k), await queued(k), await queued(k)];
    await order.release(k, dead, 'dead');
    await order.release(k, second, 'delivered');
    await order.release(k, third, 'delivered');
    expect(await order.deliveredAfter(dead)).toEqual([second, third]);
    expect(await client.pttl(order.keys.after(dead))).toBeGreaterThan(0);
    // Replayed, it joins the back of the line and is no longer a dead member of its key.
    const fourth = await queued(k);
    await order.rejoin(k, dead);
    expect(await line(k)).toEqual([fourth, dead]);
    expect(await client.lrange(order.keys.dead(k), 0, -1)).toEqual([]);
    expect(await order.deliveredAfter(dead)).toEqual([]);
  });

  it('stores a long key by its SHA-256', () => {
    expect(storedOrderKey('booking-42')).toBe('booking-42');
    expect(storedOrderKey('x'.repeat(500))).toMatch(/^[0-9a-f]{64}$/);
  });
});
