/**
 * What the event log (docs/events.md) costs: the same relay with it on and off (`eventLog: false`,
 * there for measurement only), in one run. Real Redis (durable, as in production), the enqueuer and
 * the worker in this process, a plain node:http backend answering 200.
 *   npm run bench:event-log -w bench                          (5,000 events, 3 rounds)
 *   npm run bench:event-log -w bench -- --events 300 --rounds 1
 * Every event is a Stripe payment_intent.succeeded (tests/fixtures/stripe, grown to ~1.5 KB with
 * fields Stripe sends too) with its own provider id (de-duplicated as `stripe.<id>`), its
 * stripe-signature forwarded, and 9 received headers, the signature masked. Prints one JSON summary:
 *   redisBytesPerEvent  Redis used_memory per event once --events events are queued, off vs on; the
 *                       breakdown: MEMORY USAGE of one event's keys and of every key by kind (what
 *                       the per-kind sum leaves out is the keyspace's own tables: expiry entries,
 *                       buckets); afterDelivery: the same once the worker delivered every event
 *                       (delivered jobs are retained), with the feed stream's size;
 *   ingress             EventEnqueuer.enqueue with --concurrency calls in flight: events/s, the
 *                       p50/p99 latency of one call, and CPU per event (this process's, Redis's);
 *                       the medians of --rounds runs per side;
 *   worker              events/s from the start of the delivery workers (assembled as apps/worker's
 *                       are, worker.concurrency from the config or --worker-concurrency) until every
 *                       pre-queued event is delivered, and CPU per event; medians of --rounds runs.
 * Every run starts on a flushed Redis, the sides alternate (off, on; then on, off…) so neither
 * always runs second, and ratios are on / off: for throughput, below 1 is what the event log costs.
 * Progress goes to stderr. Exits 1 (after printing) when an event was not accepted or not delivered,
 * or an event log write failed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { REDACTED } from '@hookrelay/logger';
import { deliveryQueueName, EventEnqueuer, EventLogKeys, newEventId } from '@hookrelay/queue';
import { startTestRedis } from '@hookrelay/testing';
import { signRequest, verifyPlugin } from '@hookrelay/verifiers';
import { inLanes } from './kit/lanes.js';
import { LocalBackend } from './kit/local-backend.js';
import { progress } from './kit/progress.js';
import { quietRedis, ready } from './kit/redis.js';
import { keyKinds, RedisInspector, sumBytes } from './kit/redis-inspector.js';
import { median, percentile, ratio } from './kit/stats.js';
import { deliverQueued } from './kit/workers.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    /** enqueue() calls in flight. */
    concurrency: { type: 'string', default: '50' },
    /** worker.concurrency; default the config's own. */
    'worker-concurrency': { type: 'string' },
    /** The longest wait, in seconds, for the worker to deliver one run's events. */
    timeout: { type: 'string', default: '300' },
  },
});
const events = Number(values.events);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const workerConcurrency = values['worker-concurrency'];
const timeoutMs = Number(values.timeout) * 1000;
const SOURCE = 'stripe';
const DESTINATION = 'default';
const PREFIX = 'bench';
const STRIPE_SECRET = 'whsec_bench_event_log_cost';
const QUEUE = deliveryQueueName(SOURCE, DESTINATION);
const keys = new EventLogKeys(PREFIX);

type SideName = 'off' | 'on';
const SIDES = { off: false, on: true } as const;
/** Errors the enqueuer reported (its queues', its event log's) across the run. */
let writeErrors = 0;

// ————— the backend —————

/** Answers 200 `{"ok":true}` to everything and counts the distinct events that reached it. */
class FastBackend extends LocalBackend {
  readonly delivered = new Set<string>();

  protected override handle(req: IncomingMessage, res: ServerResponse) {
    this.delivered.add(String(req.headers['x-hookrelay-id'] ?? ''));
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
  }
}

// ————— the events —————

interface Sample {
  readonly eventId: string;
  readonly requestId: string;
  readonly body: string;
  /** What the job forwards (the raw signature). */
  readonly headers: Record<string, string>;
  /** What the event log keeps (every header, the signature masked). */
  readonly receivedHeaders: Record<string, string>;
}

/** A Stripe-style id: the prefix and 24 alphanumerics. */
const stripeId = (prefix: string) =>
  `${prefix}_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x').slice(0, 24)}`;

type StripeEvent = { data: { object: Record<string, unknown> } } & Record<string, unknown>;
const fixture = JSON.parse(
  readFileSync(
    new URL('../../tests/fixtures/stripe/payment_intent.succeeded.json', import.meta.url),
    'utf8',
  ),
) as StripeEvent;

/** The fixture with fresh ids and the null/default fields Stripe sends too (pretty-printed, as Stripe does). */
function stripeBody(eventId: string): string {
  const object = {
    ...fixture.data.object,
    id: stripeId('pi'),
    latest_charge: stripeId('ch'),
    automatic_payment_methods: { allow_redirects: 'always', enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    last_payment_error: null,
    next_action: null,
    on_behalf_of: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
  };
  return JSON.stringify(
    {
      ...fixture,
      id: eventId,
      data: { object },
      request: { id: stripeId('req'), idempotency_key: randomUUID() },
    },
    null,
    2,
  );
}

function samplesFor(config: HookrelayConfig, count: number): Sample[] {
  const verify = config.sources.find((source) => source.name === SOURCE)!.verify;
  return Array.from({ length: count }, () => {
    const eventId = stripeId('evt');
    const body = stripeBody(eventId);
    const signature = signRequest(verify, Buffer.from(body), { url: '' });
    const request: Record<string, string> = {
      host: 'relay.example.com',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      accept: '*/*; q=0.5, application/xml',
      'cache-control': 'no-cache',
      'x-forwarded-for': '3.18.12.63',
      'x-forwarded-proto': 'https',
      ...signature,
    };
    const receivedHeaders = { ...request };
    for (const name of Object.keys(signature)) receivedHeaders[name] = REDACTED;
    return { eventId, requestId: randomUUID(), body, headers: signature, receivedHeaders };
  });
}

// ————— Redis —————

function configFor(redisUrl: string, backendUrl: string): HookrelayConfig {
  const worker = workerConcurrency ? `worker: { concurrency: ${workerConcurrency} }` : '';
  return parseConfig(
    `
redis: { url: "${redisUrl}", prefix: ${PREFIX} }
${worker}
defaults:
  retry: { attempts: 10, backoff: exponential, delay: 1s, maxDelay: 1h }
  timeout: 10s
sources:
  ${SOURCE}:
    path: /api/webhooks/stripe
    verify: { type: stripe, secret: ${STRIPE_SECRET} }
    destination: { url: "${backendUrl}/webhooks/stripe" }
`,
    {},
    { verify: verifyPlugin },
  );
}

const KINDS = keyKinds(PREFIX, QUEUE);

/** Reads Redis for the measurements; the one connection left open whenever memory is read. */
class Inspector extends RedisInspector {
  /** Every key's MEMORY USAGE, summed by kind. */
  override usageByKind() {
    return super.usageByKind(KINDS);
  }

  /** Starts counting CPU, this process's and Redis's; the result is microseconds per event. */
  override cpuMeter() {
    return super.cpuMeter(events);
  }
}

// ————— running one side —————

interface Enqueued {
  readonly ids: string[];
  readonly accepted: number;
  readonly seconds: number;
  /** Milliseconds per enqueue() call, in the order they were made. */
  readonly latencies: number[];
}

/** Enqueues the first `count` samples, --concurrency calls at a time, through a fresh producer. */
async function enqueueAll(
  config: HookrelayConfig,
  samples: readonly Sample[],
  count: number,
  eventLog: boolean,
): Promise<Enqueued> {
  const producer = quietRedis(config.redis, 'producer', 'bench-producer');
  await ready(producer);
  // A failed event log write does not fail enqueue(): counted, as it would flatter the `on` side.
  const onError = () => (writeErrors += 1);
  const enqueuer = new EventEnqueuer(config, producer, { eventLog, onError });
  const ids = new Array<string>(count);
  const latencies = new Array<number>(count);
  let accepted = 0;
  const seconds = await inLanes(count, concurrency, async (i) => {
    const sample = samples[i]!;
    const receivedAt = Date.now();
    const id = newEventId(receivedAt);
    const startedAt = performance.now();
    const result = await enqueuer.enqueue(
      {
        id,
        source: SOURCE,
        requestId: sample.requestId,
        receivedAt,
        eventId: sample.eventId,
        eventType: 'payment_intent.succeeded',
        contentType: sample.receivedHeaders['content-type'],
        headers: sample.headers,
        body: sample.body,
        bodyEncoding: 'utf8',
      },
      { dedupeId: `${SOURCE}.${sample.eventId}`, receivedHeaders: sample.receivedHeaders },
    );
    latencies[i] = performance.now() - startedAt;
    ids[i] = result.id;
    if (result.status === 'accepted') accepted += 1;
  });
  await enqueuer.close();
  await producer.quit().catch(() => producer.disconnect());
  return { ids, accepted, seconds, latencies };
}

/** Delivers `count` pre-queued events as apps/worker does, then reads the queue's job counts. */
async function deliverAll(
  config: HookrelayConfig,
  inspector: Inspector,
  count: number,
  eventLog: boolean,
): Promise<{ seconds: number; delivered: number; failed: number; done: boolean }> {
  const { seconds, done } = await deliverQueued(config, count, timeoutMs, { eventLog });
  const queue = new Queue(QUEUE, { connection: inspector.client, prefix: config.redis.prefix });
  const counts = await queue.getJobCounts('completed', 'failed');
  await queue.close();
  return { seconds, delivered: counts.completed ?? 0, failed: counts.failed ?? 0, done };
}

// ————— the three measurements —————

const perEvent = (bytes: number) => Math.round(bytes / events);
const ms = (value: number) => +value.toFixed(2);
/** The sides in round `round`'s order: off first in even rounds, on first in odd ones. */
const sidesOf = (round: number): SideName[] => (round % 2 ? ['on', 'off'] : ['off', 'on']);

function byKindPerEvent(kinds: Map<string, { keys: number; bytes: number }>) {
  return Object.fromEntries(
    [...kinds.entries()]
      .sort(([, a], [, b]) => b.bytes - a.bytes)
      .map(([kind, { keys, bytes }]) => [kind, { keys, bytesPerEvent: perEvent(bytes) }]),
  );
}

async function memorySide(
  config: HookrelayConfig,
  inspector: Inspector,
  samples: readonly Sample[],
  side: SideName,
) {
  await inspector.flush();
  const before = await inspector.usedMemory();
  const enqueued = await enqueueAll(config, samples, events, SIDES[side]);
  const queued = (await inspector.usedMemory()) - before;
  const id = enqueued.ids[0]!;
  const { eventId } = samples[0]!;
  const jobKey = `${PREFIX}:${QUEUE}:${id}`;
  const queuedKinds = await inspector.usageByKind();
  const oneEvent = {
    jobHash: await inspector.usage(jobKey),
    dedupeKey: await inspector.usage(`${PREFIX}:${QUEUE}:de:${SOURCE}.${eventId}`),
    eventRecord: await inspector.usage(keys.event(id)),
    bySourceIndexPerMember: perEvent(await inspector.usage(keys.bySource(SOURCE))),
    providerIdSet: await inspector.usage(keys.byProviderId(eventId)),
  };
  progress(`memory ${side}: ${events} queued, ${perEvent(queued)} bytes per event`);

  const delivery = await deliverAll(config, inspector, events, SIDES[side]);
  const deliveredBytes = (await inspector.usedMemory()) - before;
  const deliveredKinds = await inspector.usageByKind();
  const afterDelivery = {
    jobHash: await inspector.usage(jobKey),
    jobLogs: await inspector.usage(`${jobKey}:logs`),
    eventRecord: await inspector.usage(keys.event(id)),
    feedStream: await inspector.usage(keys.feed()),
    feedEntries: Number(await inspector.client.call('XLEN', keys.feed())),
  };
  progress(
    `memory ${side}: ${delivery.delivered} delivered, ${perEvent(deliveredBytes)} bytes per event`,
  );
  return {
    accepted: enqueued.accepted,
    queued,
    queuedKinds,
    oneEvent,
    delivered: delivery.delivered,
    deliveredBytes,
    deliveredKinds,
    afterDelivery,
  };
}

async function memoryScenario(
  config: HookrelayConfig,
  inspector: Inspector,
  samples: readonly Sample[],
) {
  const off = await memorySide(config, inspector, samples, 'off');
  const on = await memorySide(config, inspector, samples, 'on');
  const feedPerEntry = on.afterDelivery.feedEntries
    ? on.afterDelivery.feedStream / on.afterDelivery.feedEntries
    : 0;
  return {
    accepted: { off: off.accepted, on: on.accepted },
    delivered: { off: off.delivered, on: on.delivered },
    report: {
      off: perEvent(off.queued),
      on: perEvent(on.queued),
      added: perEvent(on.queued - off.queued),
      ratio: ratio(on.queued, off.queued),
      breakdown: {
        oneEvent: { off: off.oneEvent, on: on.oneEvent },
        byKind: { off: byKindPerEvent(off.queuedKinds), on: byKindPerEvent(on.queuedKinds) },
        keyspaceOverhead: {
          off: perEvent(off.queued - sumBytes(off.queuedKinds)),
          on: perEvent(on.queued - sumBytes(on.queuedKinds)),
        },
      },
      afterDelivery: {
        delivered: { off: off.delivered, on: on.delivered },
        off: perEvent(off.deliveredBytes),
        on: perEvent(on.deliveredBytes),
        added: perEvent(on.deliveredBytes - off.deliveredBytes),
        ratio: ratio(on.deliveredBytes, off.deliveredBytes),
        breakdown: {
          oneEvent: { off: off.afterDelivery, on: on.afterDelivery },
          byKind: {
            off: byKindPerEvent(off.deliveredKinds),
            on: byKindPerEvent(on.deliveredKinds),
          },
          keyspaceOverhead: {
            off: perEvent(off.deliveredBytes - sumBytes(off.deliveredKinds)),
            on: perEvent(on.deliveredBytes - sumBytes(on.deliveredKinds)),
          },
          feedBytesPerEntry: Math.round(feedPerEntry),
          /** The feed's size once full (it is capped, so this is its cost on a busy relay). */
          feedBytesAtCap: Math.round(feedPerEntry * 10_000),
        },
      },
    },
  };
}

async function ingressScenario(
  config: HookrelayConfig,
  inspector: Inspector,
  samples: readonly Sample[],
) {
  type Result = {
    eventsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    nodeCpuUsPerEvent: number;
    redisCpuUsPerEvent: number;
  };
  const runs: ({ round: number; side: SideName } & Result)[] = [];
  const results: Record<SideName, Result[]> = { off: [], on: [] };
  let accepted = Infinity;
  for (let round = 0; round < rounds; round++) {
    for (const side of sidesOf(round)) {
      await inspector.flush();
      const cpu = await inspector.cpuMeter();
      const enqueued = await enqueueAll(config, samples, events, SIDES[side]);
      const cpuUsed = await cpu();
      accepted = Math.min(accepted, enqueued.accepted);
      const sorted = [...enqueued.latencies].sort((a, b) => a - b);
      const result = {
        eventsPerSecond: Math.round(events / enqueued.seconds),
        p50Ms: ms(percentile(sorted, 50)),
        p99Ms: ms(percentile(sorted, 99)),
        ...cpuUsed,
      };
      results[side].push(result);
      runs.push({ round, side, ...result });
      progress(`ingress round ${round + 1} ${side}: ${result.eventsPerSecond} events/s`);
    }
  }
  const summary = (side: SideName) => ({
    eventsPerSecond: Math.round(median(results[side].map((r) => r.eventsPerSecond))),
    p50Ms: ms(median(results[side].map((r) => r.p50Ms))),
    p99Ms: ms(median(results[side].map((r) => r.p99Ms))),
    nodeCpuUsPerEvent: Math.round(median(results[side].map((r) => r.nodeCpuUsPerEvent))),
    redisCpuUsPerEvent: Math.round(median(results[side].map((r) => r.redisCpuUsPerEvent))),
  });
  const off = summary('off');
  const on = summary('on');
  return {
    accepted,
    report: {
      concurrency,
      off,
      on,
      throughputRatio: ratio(on.eventsPerSecond, off.eventsPerSecond),
      p50Ratio: ratio(on.p50Ms, off.p50Ms),
      p99Ratio: ratio(on.p99Ms, off.p99Ms),
      runs,
    },
  };
}

async function workerScenario(
  config: HookrelayConfig,
  inspector: Inspector,
  samples: readonly Sample[],
) {
  const runs: {
    round: number;
    side: SideName;
    delivered: number;
    eventsPerSecond: number;
    nodeCpuUsPerEvent: number;
    redisCpuUsPerEvent: number;
  }[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const side of sidesOf(round)) {
      await inspector.flush();
      await enqueueAll(config, samples, events, SIDES[side]);
      const cpu = await inspector.cpuMeter();
      const delivery = await deliverAll(config, inspector, events, SIDES[side]);
      const cpuUsed = await cpu();
      const eventsPerSecond = Math.round(delivery.delivered / delivery.seconds);
      runs.push({ round, side, delivered: delivery.delivered, eventsPerSecond, ...cpuUsed });
      progress(`worker round ${round + 1} ${side}: ${eventsPerSecond} events/s`);
    }
  }
  const summary = (side: SideName) => {
    const mine = runs.filter((run) => run.side === side);
    return {
      eventsPerSecond: Math.round(median(mine.map((run) => run.eventsPerSecond))),
      nodeCpuUsPerEvent: Math.round(median(mine.map((run) => run.nodeCpuUsPerEvent))),
      redisCpuUsPerEvent: Math.round(median(mine.map((run) => run.redisCpuUsPerEvent))),
    };
  };
  const off = summary('off');
  const on = summary('on');
  return {
    delivered: Math.min(...runs.map((run) => run.delivered)),
    report: {
      concurrency: config.worker.concurrency,
      off,
      on,
      throughputRatio: ratio(on.eventsPerSecond, off.eventsPerSecond),
      runs,
    },
  };
}

const redis = await startTestRedis();
const backend = new FastBackend();
let inspector: Inspector | undefined;
try {
  await backend.start();
  const config = configFor(redis.url, backend.url);
  inspector = new Inspector(quietRedis(config.redis, 'consumer', 'bench-inspector'));
  const samples = samplesFor(config, events);
  // Warm up: BullMQ's scripts cached in Redis and this process's code compiled before any measure.
  await enqueueAll(config, samples, Math.min(events, 200), true);
  await deliverAll(config, inspector, Math.min(events, 200), true);
  progress(`warmed up; ${events} events of ${Buffer.byteLength(samples[0]!.body)} bytes`);

  const memory = await memoryScenario(config, inspector, samples);
  const ingress = await ingressScenario(config, inspector, samples);
  const worker = await workerScenario(config, inspector, samples);
  console.log(
    JSON.stringify(
      {
        events,
        rounds,
        bodyBytes: Buffer.byteLength(samples[0]!.body),
        receivedHeaders: Object.keys(samples[0]!.receivedHeaders).length,
        redisBytesPerEvent: memory.report,
        ingress: ingress.report,
        worker: worker.report,
      },
      null,
      2,
    ),
  );
  const counts = [
    memory.accepted.off,
    memory.accepted.on,
    memory.delivered.off,
    memory.delivered.on,
    ingress.accepted,
    worker.delivered,
  ];
  if (counts.some((count) => count !== events)) {
    progress(`not every event was accepted and delivered: ${counts.join(', ')} of ${events}`);
    process.exitCode = 1;
  }
  if (writeErrors > 0) {
    progress(`${writeErrors} enqueuer errors (event log writes or queues)`);
    process.exitCode = 1;
  }
} finally {
  inspector?.client.disconnect();
  await backend.close();
  await redis.cleanup();
}
