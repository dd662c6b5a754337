import { Queue } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import {
  createRedis,
  decodeEventRecord,
  deliveryQueueName,
  EventEnqueuer,
  EventInbox,
  InboxKeys,
  Intake,
  newEventId,
  OrderKeys,
  type IncomingEvent,
  type RedisClient,
} from '../src/index.js';
import { encodeInboxEntry } from '../src/inbox/entry.js';

/** The ingress's inbox and the intake (docs/inbox.md) on a real Redis, with real BullMQ queues. */
describe('the inbox and the intake', () => {
  let redis: TestRedis;
  let config: HookrelayConfig;
  let producer: RedisClient;
  let consumer: RedisClient;
  let inbox: EventInbox;
  let keys: InboxKeys;
  const queues = new Map<string, Queue>();
  const lines: string[] = [];
  const log = {
    warn: (message: string) => void lines.push(`warn ${message}`),
    error: (message: string) => void lines.push(`error ${message}`),
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    config = parseConfig(
      `redis: { url: ${redis.url}, prefix: inboxtest }
sources:
  shop:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/shop" }
  split:
    verify: { type: none }
    destinations:
      - { name: a, url: "http://127.0.0.1:9/a" }
      - { name: b, url: "http://127.0.0.1:9/b" }
  bookings:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/bookings", orderBy: body.booking }
`,
      {},
    );
    producer = createRedis(config.redis, 'producer', 'inbox-test-producer');
    consumer = createRedis(config.redis, 'consumer', 'inbox-test-consumer');
    await new Promise<void>((resolve) => producer.once('ready', () => resolve()));
    inbox = new EventInbox(config, producer);
    keys = new InboxKeys(config.redis.prefix);
  });
  afterAll(async () => {
    await Promise.all([...queues.values()].map((queue) => queue.close()));
    producer.disconnect();
    consumer.disconnect();
    await redis.cleanup();
  });
  beforeEach(async () => {
    await producer.flushall();
    lines.length = 0;
  });

  const queue = (source: string, destination = 'default') => {
    const name = deliveryQueueName(source, destination);
    if (!queues.has(name))
      queues.set(name, new Queue(name, { connection: consumer, prefix: config.redis.prefix }));
    return queues.get(name)!;
  };
  const event = (source: string, body = '{}', eventId?: string): IncomingEvent => ({
    id: newEventId(),
    source,
    requestId: 'req',
    receivedAt: Date.now(),
    eventId,
    eventType: 'order.paid',
    headers: {},
    body,
    bodyEncoding: 'utf8',
  });
  const intake = (options: { lockMs?: number } = {}) =>
    new Intake({ config, connection: consumer, log, ...options });

  it('accepts an event in one script: its record, its place in the time index, its inbox entry', async () => {
    const shop = event('shop', '{"n":1}', 'ord_1');
    expect(
      await inbox.enqueue(shop, { dedupeId: 'shop.ord_1', receivedHeaders: { 'x-a': '1' } }),
    ).toEqual({ status: 'accepted', id: shop.id });
    expect(await producer.llen(keys.inbox())).toBe(1);
    const record = decodeEventRecord(await producer.get(`inboxtest:events:event:${shop.id}`));
    expect(record).toEqual({
      source: 'shop',
      eventId: 'ord_1',
      eventType: 'order.paid',
      headers: { 'x-a': '1' },
    });
    expect(await producer.zrange('inboxtest:events:by-source:shop', 0, -1)).toEqual([shop.id]);
    expect(await producer.get('inboxtest:events:by-provider-id:ord_1')).toBe(`${shop.id} `);
    // No job yet: that is the intake's work.
    expect(await queue('shop').getJob(shop.id)).toBeUndefined();
  });

  it('answers a repeat with the first id and writes nothing for it', async () => {
    const first = event('shop', '{}', 'ord_2');
    const repeat = event('shop', '{}', 'ord_2');
    await inbox.enqueue(first, { dedupeId: 'shop.ord_2' });
    expect(await inbox.enqueue(repeat, { dedupeId: 'shop.ord_2' })).toEqual({
      status: 'duplicate',
      id: first.id,
    });
    expect(await producer.llen(keys.inbox())).toBe(1);
    expect(await producer.exists(`inboxtest:events:event:${repeat.id}`)).toBe(0);
    expect(await producer.get('inboxtest:events:by-provider-id:ord_2')).toBe(`${first.id} `);
    expect(await producer.pttl(keys.dedupe('shop.ord_2'))).toBeGreaterThan(86_000_000);
  });

  it('still knows the events acknowledged before the inbox (BullMQ de-duplicated them)', async () => {
    const before = new EventEnqueuer(config, producer);
    try {
      const old = event('split', '{}', 'ord_3');
      await before.enqueue(old, { dedupeId: 'split.ord_3' });
      expect(
        await inbox.enqueue(event('split', '{}', 'ord_3'), { dedupeId: 'split.ord_3' }),
      ).toEqual({ status: 'duplicate', id: old.id });
      expect(await producer.llen(keys.inbox())).toBe(0);
    } finally {
      await before.close();
    }
  });

  it('turns the inbox into jobs: one per destination, held ones delayed, the body as received', async () => {
    const shop = event('shop', '{"total":5000,"currency":"XOF"}');
    const split = event('split');
    const later = event('shop');
    await inbox.enqueue(shop);
    await inbox.enqueue(split);
    await inbox.enqueue(later, { delayMs: 60_000 });
    const running = intake();
    try {
      await waitFor(async () => ((await queue('shop').getJob(later.id)) ? true : undefined));
      const job = await queue('shop').getJob(shop.id);
      expect(job?.data).toMatchObject({ id: shop.id, destination: 'default', body: shop.body });
      expect(await queue('split', 'a').getJob(split.id)).toBeDefined();
      expect(await queue('split', 'b').getJob(split.id)).toBeDefined();
      expect(await queue('shop').getJobState(later.id)).toBe('delayed');
      expect(await queue('shop').getJobState(shop.id)).toBe('waiting');
      await waitFor(async () => ((await producer.exists(keys.taking())) === 0 ? true : undefined));
      expect(await producer.llen(keys.inbox())).toBe(0);
    } finally {
      await running.close();
    }
  });

  it('puts ordered events in their key’s line in the order they were acknowledged', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 60; i++) {
      const booking = event('bookings', JSON.stringify({ booking: `b${i % 3}` }));
      sent.push(booking.id);
      await inbox.enqueue(booking, { orderKeys: { default: `b${i % 3}` } });
    }
    const running = intake();
    try {
      const order = new OrderKeys(queue('bookings'));
      await waitFor(async () =>
        (await producer.llen(order.line('b2'))) === 20 ? true : undefined,
      );
      for (const k of [0, 1, 2])
        expect(await producer.lrange(order.line(`b${k}`), 0, -1)).toEqual(
          sent.filter((_, i) => i % 3 === k),
        );
    } finally {
      await running.close();
    }
  });

  it('redoes a batch a crashed intake left half written, writing each job and place in line once', async () => {
    const plain = event('shop');
    const ordered = event('bookings', '{"booking":"r1"}');
    const entries = [
      encodeInboxEntry({ event: plain }),
      encodeInboxEntry({ event: ordered, orderKeys: { default: 'r1' } }),
    ];
    // The crashed intake had taken both and written the ordered one's job and place in line.
    await producer.rpush(keys.taking(), ...entries);
    const order = new OrderKeys(queue('bookings'));
    await producer.rpush(order.line('r1'), ordered.id);
    await queue('bookings').add('e', { id: ordered.id }, { jobId: ordered.id });
    const running = intake();
    try {
      await waitFor(async () => ((await queue('shop').getJob(plain.id)) ? true : undefined));
      await waitFor(async () => ((await producer.exists(keys.taking())) === 0 ? true : undefined));
      expect(await producer.lrange(order.line('r1'), 0, -1)).toEqual([ordered.id]);
      expect(await queue('bookings').getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await running.close();
    }
  });

  it('sets aside what it cannot read, or what no source takes any more, and goes on', async () => {
    const gone = { ...event('shop'), source: 'removed' };
    await producer.rpush(keys.inbox(), 'not json', encodeInboxEntry({ event: gone }));
    const fine = event('shop');
    await inbox.enqueue(fine);
    const running = intake();
    try {
      await waitFor(async () => ((await queue('shop').getJob(fine.id)) ? true : undefined));
      expect(await producer.lrange(keys.unreadable(), 0, -1)).toHaveLength(2);
      expect(lines).toContain('error inbox entries unreadable');
    } finally {
      await running.close();
    }
  });

  it('lets one intake at a time take from the inbox; a standby takes over when it stops', async () => {
    const first = intake({ lockMs: 2_000 });
    const second = intake({ lockMs: 2_000 });
    try {
      const a = event('shop');
      await inbox.enqueue(a);
      await waitFor(async () => ((await queue('shop').getJob(a.id)) ? true : undefined));
      const holder = await producer.get(keys.lock());
      expect(holder).toBeTruthy();
      // Whichever leads, closing it lets the other lead.
      const [leader, standby] = [first, second];
      await leader.close();
      const b = event('shop');
      await inbox.enqueue(b);
      await waitFor(async () => ((await queue('shop').getJob(b.id)) ? true : undefined), {
        timeoutMs: 10_000,
      });
      await standby.close();
    } finally {
      await Promise.allSettled([first.close(), second.close()]);
    }
  });
});
