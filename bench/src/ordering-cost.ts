/**
 * What ordered delivery per key (docs/ordering.md) costs: the same events through a destination
 * without `orderBy` and with `orderBy: body.key`, in one run. Real Redis (durable, as in
 * production), the enqueuer and the worker in this process, a plain node:http backend answering 200.
 *   npm run bench:ordering -w bench                          (3,000 events, 100 keys, 3 rounds)
 *   npm run bench:ordering -w bench -- --events 300 --rounds 1
 *   npm run bench:ordering -w bench -- --backend-ms 5        (the backend answers after 5 ms)
 * The sides, each the same --events events, each body `{"key","n"}` (n: the event's place among
 * its key's, from 0):
 *   unordered  a destination without orderBy (the bodies of manyKeys);
 *   manyKeys   orderBy: body.key, --keys keys (default 100) round-robin;
 *   oneKey     orderBy: body.key, every event the same key.
 * The ordered sides are enqueued with `orderKeys: { default: key }`, the key the ingress reads from
 * body.key. Prints one JSON summary:
 *   enqueue    events/s of EventEnqueuer.enqueue with --concurrency calls in flight (an ordered
 *              event is one MULTI: its place in its key's line and its job), median of --rounds
 *              runs per side, and ratio vs unordered;
 *   deliver    events/s from the start of the delivery workers (assembled as apps/worker's are,
 *              worker.concurrency --worker-concurrency) until every pre-queued event is delivered,
 *              median and ratio vs unordered; per event, Redis's commands (those its scripts run
 *              included) and Redis's CPU; on the ordered sides handoffMs: per key, from the
 *              backend's answer to event n to the arrival of event n+1, p50/p99 (with one key, the
 *              relay's turn: release, promote, fetch, claim; with many, mostly the wait in line
 *              behind the other keys' events);
 *   orderViolations  requests of the ordered sides that arrived out of their key's order (the
 *              order the ingress acknowledged: each key's line as Redis holds it once enqueued),
 *              or while an earlier event of their key was not yet answered. Must be 0.
 * Every run starts on a flushed Redis, and the sides' order rotates each round so no side always
 * runs first. Progress goes to stderr. Exits 1 (after printing) when an event was not accepted or
 * not delivered, or on any order violation.
 */
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { createLogger } from '@hookrelay/logger';
import { createRegistry, deliveryMetrics } from '@hookrelay/metrics';
import {
  createRedis,
  deliveryQueueName,
  EventEnqueuer,
  newEventId,
  OrderKeys,
  storedOrderKey,
  type RedisClient,
} from '@hookrelay/queue';
import { startTestRedis } from '@hookrelay/testing';
import { verifyPlugin } from '@hookrelay/verifiers';
import { breakerGuards, startDeliveryWorkers } from '@hookrelay/worker';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '3000' },
    /** Keys of the manyKeys side (and of the unordered side's bodies). */
    keys: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    /** How long the backend takes to answer each request, in ms. */
    'backend-ms': { type: 'string', default: '0' },
    /** enqueue() calls in flight. */
    concurrency: { type: 'string', default: '50' },
    /** worker.concurrency. */
    'worker-concurrency': { type: 'string', default: '50' },
    /** The longest wait, in seconds, for the worker to deliver one run's events. */
    timeout: { type: 'string', default: '300' },
  },
});
const events = Number(values.events);
const manyKeys = Number(values.keys);
const rounds = Number(values.rounds);
const backendMs = Number(values['backend-ms']);
const concurrency = Number(values.concurrency);
const workerConcurrency = Number(values['worker-concurrency']);
const timeoutMs = Number(values.timeout) * 1000;
const SOURCE = 'bench';
const DESTINATION = 'default';
const PREFIX = 'bench';
const QUEUE = deliveryQueueName(SOURCE, DESTINATION);

const SIDE_NAMES = ['unordered', 'manyKeys', 'oneKey'] as const;
type SideName = (typeof SIDE_NAMES)[number];
const SIDES: Record<SideName, { ordered: boolean; keys: number }> = {
  unordered: { ordered: false, keys: manyKeys },
  manyKeys: { ordered: true, keys: manyKeys },
  oneKey: { ordered: true, keys: 1 },
};
const progress = (line: string) => process.stderr.write(`${line}\n`);
const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
const noop = () => undefined;

// ————— the backend —————

/** One request as the backend saw it; ticks order arrivals and answers on one clock. */
interface Arrival {
  readonly key: string;
  readonly n: number;
  readonly id: string;
  readonly tick: number;
  readonly at: number;
  answeredTick?: number;
  answeredAt?: number;
}

/** Answers 200 to everything, after --backend-ms, and records each request's key, n and times. */
class OrderedBackend {
  arrivals: Arrival[] = [];
  readonly delivered = new Set<string>();
  private tick = 0;
  private server?: Server;
  url = '';

  reset() {
    this.arrivals = [];
    this.delivered.clear();
  }

  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const { key, n } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          key: string;
          n: number;
        };
        const arrival: Arrival = {
          key,
          n,
          id: String(req.headers['x-hookrelay-id'] ?? ''),
          tick: this.tick++,
          at: performance.now(),
        };
        this.arrivals.push(arrival);
        const reply = () => {
          arrival.answeredTick = this.tick++;
          arrival.answeredAt = performance.now();
          this.delivered.add(arrival.id);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        };
        if (backendMs > 0) setTimeout(reply, backendMs);
        else reply();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${address.port}`;
  }

  close() {
    this.server?.closeAllConnections();
    return new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

// ————— the events —————

interface Sample {
  readonly key: string;
  readonly n: number;
  readonly body: string;
}

/** Event i: key `k<i mod keys>`, n its place among that key's events. */
function samplesFor(keys: number, count: number): Sample[] {
  return Array.from({ length: count }, (_, i) => {
    const key = `k${i % keys}`;
    const n = Math.floor(i / keys);
    return { key, n, body: JSON.stringify({ key, n }) };
  });
}

function configFor(redisUrl: string, backendUrl: string, ordered: boolean): HookrelayConfig {
  return parseConfig(
    `
redis: { url: "${redisUrl}", prefix: ${PREFIX} }
worker: { concurrency: ${workerConcurrency} }
defaults:
  retry: { attempts: 10, backoff: exponential, delay: 1s, maxDelay: 1h }
  timeout: 10s
sources:
  ${SOURCE}:
    path: /api/webhooks/bench
    verify: { type: token, header: authorization, value: "Bearer bench" }
    destination:
      url: "${backendUrl}/webhooks/bench"
${ordered ? '      orderBy: body.key' : ''}
`,
    {},
    { verify: verifyPlugin },
  );
}

async function ready(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}

/** Reads Redis for the measurements. */
class Inspector {
  constructor(readonly client: RedisClient) {}

  async info(section: string): Promise<string> {
    return String(await this.client.call('INFO', section));
  }

  async flush(): Promise<void> {
    await this.client.call('FLUSHALL', 'SYNC');
  }

  /** Starts counting Redis's commands and CPU; the result is per event. */
  async meter(
    count: number,
  ): Promise<() => Promise<{ redisCommandsPerEvent: number; redisCpuUsPerEvent: number }>> {
    await this.client.call('CONFIG', 'RESETSTAT');
    const cpu = await this.cpuSeconds();
    return async () => {
      const redisUs = ((await this.cpuSeconds()) - cpu) * 1e6;
      const stats = await this.info('commandstats');
      let calls = 0;
      for (const match of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
        if (match[1] !== 'info' && match[1] !== 'config') calls += Number(match[2]);
      return {
        redisCommandsPerEvent: +(calls / count).toFixed(1),
        redisCpuUsPerEvent: Math.round(redisUs / count),
      };
    };
  }

  private async cpuSeconds(): Promise<number> {
    const text = await this.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)![1]);
    return field('used_cpu_user') + field('used_cpu_sys');
  }

  /** Each key's line as Redis holds it: the ids in the order the ingress acknowledged them. */
  async lines(keys: readonly string[]): Promise<Map<string, string[]>> {
    const order = new OrderKeys({ toKey: (type) => `${PREFIX}:${QUEUE}:${type}` });
    const lines = new Map<string, string[]>();
    for (const key of keys)
      lines.set(key, await this.client.lrange(order.line(storedOrderKey(key)), 0, -1));
    return lines;
  }
}

// ————— running one side —————

/** Enqueues every sample, --concurrency calls at a time, through a fresh producer. */
async function enqueueAll(config: HookrelayConfig, samples: readonly Sample[], ordered: boolean) {
  const producer = createRedis(config.redis, 'producer', 'bench-producer');
  producer.on('error', noop);
  await ready(producer);
  let errors = 0;
  const enqueuer = new EventEnqueuer(config, producer, { onError: () => (errors += 1) });
  const ids = new Array<string>(samples.length);
  let accepted = 0;
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < samples.length; i = next++) {
      const sample = samples[i]!;
      const receivedAt = Date.now();
      const result = await enqueuer.enqueue(
        {
          id: newEventId(receivedAt),
          source: SOURCE,
          requestId: `req_${i}`,
          receivedAt,
          eventType: 'bench.event',
          contentType: 'application/json',
          headers: {},
          body: sample.body,
          bodyEncoding: 'utf8',
        },
        {
          dedupeId: `${SOURCE}.${i}`,
          ...(ordered ? { orderKeys: { [DESTINATION]: sample.key } } : {}),
        },
      );
      ids[i] = result.id;
      if (result.status === 'accepted') accepted += 1;
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, samples.length) }, lane));
  const seconds = (performance.now() - startedAt) / 1000;
  await enqueuer.close();
  await producer.quit().catch(() => producer.disconnect());
  return { ids, accepted, errors, seconds };
}

/** Starts the delivery workers as apps/worker does and waits until `count` jobs are completed. */
async function deliverAll(config: HookrelayConfig, count: number) {
  const consumer = createRedis(config.redis, 'consumer', 'bench-worker');
  consumer.on('error', noop);
  const logger = createLogger({ app: 'worker', stream: silent, level: 'error' });
  const metrics = deliveryMetrics(createRegistry('worker'));
  let completed = 0;
  let allCompleted: () => void = noop;
  const settled = new Promise<boolean>((resolve) => {
    allCompleted = () => resolve(true);
    setTimeout(() => resolve(false), timeoutMs).unref();
  });
  const startedAt = performance.now();
  const workers = startDeliveryWorkers({
    config,
    connection: consumer,
    logger,
    metrics,
    guardFor: breakerGuards({ redis: consumer, prefix: config.redis.prefix, logger, metrics }),
  });
  for (const worker of workers.workers)
    worker.on('completed', () => {
      completed += 1;
      if (completed >= count) allCompleted();
    });
  const done = await settled;
  const seconds = (performance.now() - startedAt) / 1000;
  await workers.close();
  consumer.disconnect();
  return { seconds, completed, done };
}

/**
 * Requests that broke their key's order: not the next of the key's line (out of order, or sent
 * twice), or arrived before the key's previous request was answered. Also the handoffs: per key,
 * ms from the answer to one event to the arrival of the next.
 */
function checkOrder(
  arrivals: readonly Arrival[],
  lines: ReadonlyMap<string, string[]>,
  nOf: ReadonlyMap<string, number>,
) {
  const byKey = new Map<string, Arrival[]>();
  for (const arrival of arrivals) {
    const mine = byKey.get(arrival.key) ?? [];
    mine.push(arrival);
    byKey.set(arrival.key, mine);
  }
  let violations = 0;
  const handoffs: number[] = [];
  for (const [key, mine] of byKey) {
    const expected = (lines.get(key) ?? []).map((id) => nOf.get(id));
    mine.forEach((arrival, i) => {
      const previous = mine[i - 1];
      const early =
        previous !== undefined &&
        (previous.answeredTick === undefined || arrival.tick < previous.answeredTick);
      if (arrival.n !== expected[i] || early) violations += 1;
      if (previous?.answeredAt !== undefined && !early)
        handoffs.push(arrival.at - previous.answeredAt);
    });
  }
  return { violations, handoffs };
}

/** Lines whose events the ingress acknowledged in another order than their n (none expected). */
function reorderedLines(lines: ReadonlyMap<string, string[]>, nOf: ReadonlyMap<string, number>) {
  let reordered = 0;
  for (const ids of lines.values()) {
    const ns = ids.map((id) => nOf.get(id) ?? -1);
    if (ns.some((n, i) => i > 0 && n <= ns[i - 1]!)) reordered += 1;
  }
  return reordered;
}

interface Run {
  round: number;
  side: SideName;
  accepted: number;
  /** Errors the enqueuer reported (its queues', its event log's). */
  enqueueErrors: number;
  delivered: number;
  enqueuePerSecond: number;
  deliverPerSecond: number;
  redisCommandsPerEvent: number;
  redisCpuUsPerEvent: number;
  violations: number;
  /** Lines the ingress acknowledged out of n order (reported; the check follows the lines). */
  reorderedLines: number;
  handoffs: number[];
}

async function runSide(
  side: SideName,
  round: number,
  configs: Record<'ordered' | 'unordered', HookrelayConfig>,
  inspector: Inspector,
  backend: OrderedBackend,
  samples: readonly Sample[],
): Promise<Run> {
  const { ordered } = SIDES[side];
  const config = ordered ? configs.ordered : configs.unordered;
  await inspector.flush();
  backend.reset();
  const enqueued = await enqueueAll(config, samples, ordered);
  const nOf = new Map(enqueued.ids.map((id, i) => [id, samples[i]!.n]));
  const lines = ordered
    ? await inspector.lines([...new Set(samples.map((sample) => sample.key))])
    : new Map<string, string[]>();
  const meter = await inspector.meter(samples.length);
  const delivery = await deliverAll(config, samples.length);
  const redisCost = await meter();
  const check = ordered
    ? checkOrder(backend.arrivals, lines, nOf)
    : { violations: 0, handoffs: [] };
  const run: Run = {
    round,
    side,
    accepted: enqueued.accepted,
    enqueueErrors: enqueued.errors,
    delivered: Math.min(delivery.completed, backend.delivered.size),
    enqueuePerSecond: Math.round(samples.length / enqueued.seconds),
    deliverPerSecond: Math.round(delivery.completed / delivery.seconds),
    ...redisCost,
    violations: check.violations,
    reorderedLines: ordered ? reorderedLines(lines, nOf) : 0,
    handoffs: check.handoffs,
  };
  progress(
    `${round < 0 ? 'warm-up' : `round ${round + 1}`} ${side}: enqueue ${run.enqueuePerSecond} events/s, deliver ` +
      `${run.deliverPerSecond} events/s, ${run.delivered} delivered, ${run.violations} violations`,
  );
  return run;
}

// ————— the summary —————

const ratio = (side: number, base: number) => +(side / base).toFixed(3);
const ms = (value: number) => +value.toFixed(3);
const median = (numbers: readonly number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
/** The sides in round `round`'s order: rotated by one each round. */
const sidesOf = (round: number): SideName[] =>
  SIDE_NAMES.map((_, i) => SIDE_NAMES[(i + round) % SIDE_NAMES.length]!);

function summarise(runs: readonly Run[]) {
  const of = (side: SideName) => runs.filter((run) => run.side === side);
  const mid = (side: SideName, pick: (run: Run) => number) => median(of(side).map(pick));
  const base = {
    enqueue: mid('unordered', (run) => run.enqueuePerSecond),
    deliver: mid('unordered', (run) => run.deliverPerSecond),
  };
  const enqueue = (side: SideName) => {
    const eventsPerSecond = Math.round(mid(side, (run) => run.enqueuePerSecond));
    return side === 'unordered'
      ? { eventsPerSecond }
      : { eventsPerSecond, ratio: ratio(eventsPerSecond, base.enqueue) };
  };
  const deliver = (side: SideName) => {
    const eventsPerSecond = Math.round(mid(side, (run) => run.deliverPerSecond));
    const cost = {
      redisCommandsPerEvent: +mid(side, (run) => run.redisCommandsPerEvent).toFixed(1),
      redisCpuUsPerEvent: Math.round(mid(side, (run) => run.redisCpuUsPerEvent)),
    };
    if (side === 'unordered') return { eventsPerSecond, ...cost };
    const handoffs = of(side)
      .flatMap((run) => run.handoffs)
      .sort((a, b) => a - b);
    return {
      eventsPerSecond,
      ratio: ratio(eventsPerSecond, base.deliver),
      ...cost,
      /** Per key: the backend's answer to one event → the arrival of the next. */
      handoffMs: handoffs.length
        ? { p50: ms(percentile(handoffs, 50)), p99: ms(percentile(handoffs, 99)) }
        : null,
      msPerEvent: ms(1000 / eventsPerSecond),
    };
  };
  return {
    events,
    keys: manyKeys,
    rounds,
    backendMs,
    concurrency,
    workerConcurrency,
    enqueue: {
      unordered: enqueue('unordered'),
      manyKeys: enqueue('manyKeys'),
      oneKey: enqueue('oneKey'),
    },
    deliver: {
      unordered: deliver('unordered'),
      manyKeys: deliver('manyKeys'),
      oneKey: deliver('oneKey'),
    },
    orderViolations: runs.reduce((sum, run) => sum + run.violations, 0),
    reorderedLines: runs.reduce((sum, run) => sum + run.reorderedLines, 0),
    runs: runs.map(({ handoffs: _handoffs, ...run }) => run),
  };
}

const redis = await startTestRedis();
const backend = new OrderedBackend();
let inspector: Inspector | undefined;
try {
  await backend.start();
  const configs = {
    ordered: configFor(redis.url, backend.url, true),
    unordered: configFor(redis.url, backend.url, false),
  };
  inspector = new Inspector(createRedis(configs.ordered.redis, 'consumer', 'bench-inspector'));
  inspector.client.on('error', noop);
  const samples: Record<SideName, Sample[]> = {
    unordered: samplesFor(SIDES.unordered.keys, events),
    manyKeys: samplesFor(SIDES.manyKeys.keys, events),
    oneKey: samplesFor(SIDES.oneKey.keys, events),
  };
  // Warm up: BullMQ's and the order's scripts cached in Redis, this process's code compiled.
  for (const side of SIDE_NAMES) {
    const warm = samples[side].slice(0, Math.min(events, 100));
    await runSide(side, -1, configs, inspector, backend, warm);
  }
  progress(`warmed up; ${events} events, ${manyKeys} keys, backend ${backendMs} ms`);

  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++)
    for (const side of sidesOf(round))
      runs.push(await runSide(side, round, configs, inspector, backend, samples[side]));
  const summary = summarise(runs);
  console.log(JSON.stringify(summary, null, 2));
  const short = runs.filter((run) => run.accepted !== events || run.delivered !== events);
  if (short.length > 0) {
    progress(
      `not every event was accepted and delivered: ${short
        .map((run) => `${run.side} ${run.accepted}/${run.delivered} of ${events}`)
        .join(', ')}`,
    );
    process.exitCode = 1;
  }
  const errors = runs.reduce((sum, run) => sum + run.enqueueErrors, 0);
  if (errors > 0) {
    progress(`${errors} enqueuer errors (event log writes or queues)`);
    process.exitCode = 1;
  }
  if (summary.orderViolations > 0) {
    progress(`${summary.orderViolations} order violations`);
    process.exitCode = 1;
  }
} finally {
  inspector?.client.disconnect();
  await backend.close();
  await redis.cleanup();
}
