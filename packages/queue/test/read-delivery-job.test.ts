import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@hookrelay/config';
import { startTestRedis, type TestRedis } from '@hookrelay/testing';
import {
  createRedis,
  DELIVERY_JOB_VERSION,
  EventEnqueuer,
  readDeliveryJob,
  UnreadableJobError,
  type RedisClient,
} from '../src/index.js';

/** The data of a job as the enqueuer stored it before job data carried a version (version 0). */
const storedV0 = JSON.parse(
  readFileSync(new URL('fixtures/delivery-job-v0.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

describe('reading delivery job data of every retained version', () => {
  it('reads an unversioned job as version 1, every field as stored', () => {
    expect(storedV0).not.toHaveProperty('version');
    expect(readDeliveryJob(storedV0)).toEqual({ ...storedV0, version: 1 });
  });

  it('reads a version 1 job as it is', () => {
    const v1 = { ...storedV0, version: 1 };
    expect(readDeliveryJob(v1)).toEqual(v1);
  });

  it('refuses a version it does not know, naming it', () => {
    expect(() => readDeliveryJob({ ...storedV0, version: 2 })).toThrow(
      new UnreadableJobError('job data version 2 is not one this hookrelay reads (0 to 1)'),
    );
  });

  it('refuses data that no version describes, naming the field', () => {
    expect(() => readDeliveryJob('{}')).toThrow(UnreadableJobError);
    expect(() => readDeliveryJob({ ...storedV0, receivedAt: '2026-01-01' })).toThrow(
      'job data: receivedAt is not a number',
    );
    expect(() => readDeliveryJob({ ...storedV0, bodyEncoding: 'hex' })).toThrow(
      'job data: bodyEncoding is neither utf8 nor base64',
    );
    expect(() => readDeliveryJob({ ...storedV0, headers: { a: 1 } })).toThrow(
      'job data: headers is not a map of strings',
    );
  });
});

describe('delivery job data in Redis', () => {
  let redis: TestRedis;
  let client: RedisClient;
  let queue: Queue;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedis({ url: redis.url, prefix: 'jobtest' }, 'consumer', 'job-test');
    queue = new Queue('delivery.stripe.default', { connection: client, prefix: 'jobtest' });
  });
  afterAll(async () => {
    await queue.close();
    client.disconnect();
    await redis.cleanup();
  });

  it('a job stored without a version reads back as version 1', async () => {
    await queue.add('payment_intent.succeeded', storedV0, { jobId: storedV0.id as string });
    const job = await queue.getJob(storedV0.id as string);
    expect(readDeliveryJob(job!.data)).toEqual({ ...storedV0, version: 1 });
  });

  it('the enqueuer writes the current version into every job, fan-out included', async () => {
    const config = parseConfig(
      `redis: { url: ${redis.url}, prefix: jobtest }
sources:
  shop:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/shop" }
  split:
    verify: { type: none }
    destinations:
      - { name: a, url: "http://127.0.0.1:9/a" }
      - { name: b, url: "http://127.0.0.1:9/b" }
`,
      {},
    );
    const producer = createRedis(config.redis, 'producer', 'job-test-producer');
    await new Promise<void>((resolve) => producer.once('ready', () => resolve()));
    const enqueuer = new EventEnqueuer(config, producer);
    try {
      const event = {
        requestId: 'req',
        receivedAt: Date.now(),
        headers: {},
        body: '{}',
        bodyEncoding: 'utf8',
      } as const;
      await enqueuer.enqueue({ ...event, id: 'evt_one', source: 'shop' });
      await enqueuer.enqueue({ ...event, id: 'evt_two', source: 'split' });
      const versions = await Promise.all(
        [
          ['delivery.shop.default', 'evt_one'],
          ['delivery.split.a', 'evt_two'],
          ['delivery.split.b', 'evt_two'],
        ].map(async ([name, id]) => {
          const reader = new Queue(name!, { connection: client, prefix: 'jobtest' });
          const job = await reader.getJob(id!);
          await reader.close();
          return (job!.data as { version?: number }).version;
        }),
      );
      expect(versions).toEqual([DELIVERY_JOB_VERSION, DELIVERY_JOB_VERSION, DELIVERY_JOB_VERSION]);
    } finally {
      await enqueuer.close();
      producer.disconnect();
    }
  });
});
