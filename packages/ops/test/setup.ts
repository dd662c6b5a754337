import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import {
  createRedis,
  deliveryQueueName,
  EventEnqueuer,
  newEventId,
  type AttemptRecord,
  type DeliveryJobData,
  type RedisClient,
} from '@hookrelay/queue';
import { startTestRedis, type TestRedis } from '@hookrelay/testing';
import { Ops } from '../src/index.js';

/** A Redis, the config's queues, and a stand-in worker whose backend answer the test sets. */
export interface OpsFixture {
  readonly config: HookrelayConfig;
  readonly ops: Ops;
  readonly connection: RedisClient;
  readonly enqueuer: EventEnqueuer;
  /** Job ids in the order the stand-in worker took them. */
  readonly taken: string[];
  backendUp: boolean;
  /** Wait before a retry. */
  backoffMs: number;
  startWorker(source: string, destination?: string, concurrency?: number): Worker;
  /** `orderKey`: the event's order key for each destination of the source (docs/ordering.md). */
  send(
    source: string,
    fields?: { eventId?: string; delayMs?: number; orderKey?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

/** `redisYaml`: more keys of the `redis:` block, as YAML flow entries (`waitForReplicas: 1`). */
export async function startOpsFixture(sourcesYaml: string, redisYaml = ''): Promise<OpsFixture> {
  const redis: TestRedis = await startTestRedis();
  const config = parseConfig(
    `redis: { url: ${redis.url}, prefix: opstest${redisYaml ? `, ${redisYaml}` : ''} }\nsources:\n${sourcesYaml}`,
    {},
  );
  const connection = createRedis(config.redis, 'consumer', 'ops-test');
  const producer = createRedis(config.redis, 'producer', 'ops-test-producer');
  await new Promise<void>((resolve) => producer.once('ready', () => resolve()));
  const workers: Worker[] = [];
  const fixture: OpsFixture = {
    config,
    ops: new Ops(config, connection),
    connection,
    enqueuer: new EventEnqueuer(config, producer),
    taken: [],
    backendUp: false,
    backoffMs: 10,
    startWorker(source, destination = 'default', concurrency = 1) {
      const worker = new Worker<DeliveryJobData>(
        deliveryQueueName(source, destination),
        (job) => attempt(fixture, job),
        {
          connection,
          prefix: config.redis.prefix,
          concurrency,
          settings: { backoffStrategy: () => fixture.backoffMs },
        },
      );
      workers.push(worker);
      return worker;
    },
    async send(source, fields = {}) {
      const receivedAt = Date.now();
      const result = await fixture.enqueuer.enqueue(
        {
          id: newEventId(receivedAt),
          source,
          requestId: 'req',
          receivedAt,
          eventId: fields.eventId,
          headers: {},
          body: '{}',
          bodyEncoding: 'utf8',
        },
        {
          delayMs: fields.delayMs,
          dedupeId: fields.eventId === undefined ? undefined : `${source}.${fields.eventId}`,
          orderKeys: orderKeysOf(config, source, fields.orderKey),
        },
      );
      return result.id;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await fixture.ops.close();
      await fixture.enqueuer.close();
      connection.disconnect();
      producer.disconnect();
      await redis.cleanup();
    },
  };
  return fixture;
}

/** The ingress's orderKeys for an event of `source` whose key is `key`: the same for every destination. */
function orderKeysOf(
  config: HookrelayConfig,
  source: string,
  key: string | undefined,
): Record<string, string> | undefined {
  if (key === undefined) return undefined;
  const destinations = config.sources.find((s) => s.name === source)?.destinations ?? [];
  return Object.fromEntries(destinations.map((destination) => [destination.name, key]));
}

/**
 * What apps/worker's processor does, minus HTTP: return the attempt's record when it delivered (the
 * job's return value), else log it, then retry or dead-letter.
 */
async function attempt(
  fixture: OpsFixture,
  job: Job<DeliveryJobData>,
): Promise<AttemptRecord | undefined> {
  fixture.taken.push(job.id!);
  const number = job.attemptsMade + 1;
  const final = number >= (job.opts.attempts ?? 1);
  const outcome: AttemptRecord['outcome'] = fixture.backendUp
    ? 'delivered'
    : final
      ? 'dead'
      : 'retry';
  const record: AttemptRecord = {
    attempt: number,
    at: Date.now(),
    durationMs: 1,
    status: fixture.backendUp ? 200 : 500,
    outcome,
  };
  if (outcome === 'delivered') return record;
  await job.log(JSON.stringify(record));
  if (outcome === 'dead') throw new UnrecoverableError('HTTP 500');
  throw new Error('HTTP 500');
}
