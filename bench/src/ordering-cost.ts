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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import {
  deliveryQueueName,
  EventEnqueuer,
  newEventId,
  OrderKeys,
  storedOrderKey,
  type RedisClient,
} from '@hookrelay/queue';
import { startTestRedis } from '@hookrelay/testing';
import { verifyPlugin } from '@hookrelay/verifiers';
import { inLanes } from './kit/lanes.js';
import { LocalBackend } from './kit/local-backend.js';
import { progress } from './kit/progress.js';
import { quietRedis, ready, redisCpuSeconds } from './kit/redis.js';
import { median, percentile, ratio } from './kit/stats.js';
import { deliverQueued } from './kit/workers.js';

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
class OrderedBackend extends LocalBackend {
  arrivals: Arrival[] = [];
  readonly delivered = new Set<string>();
  private tick = 0;

  reset() {
    this.arrivals = [];
    this.delivered.clear();
  }

  protected override handle(req: IncomingMessage, res: ServerResponse) {
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
    const cpu = await redisCpuSeconds(this.client);
    return async () => {
      const redisUs = ((await redisCpuSeconds(this.client)) - cpu) * 1e6;
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
  const producer = quietRedis(config.redis, 'producer', 'bench-producer');
  await ready(producer);
  let errors = 0;
  const enqueuer = new EventEnqueuer(config, producer, { onError: () => (errors += 1) });
  const ids = new Array<string>(samples.length);
  let accepted = 0;
  const seconds = await inLanes(samples.length, concurrency, async (i) => {
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
  });
  await enqueuer.close();
  await producer.quit().catch(() => producer.disconnect());
  return { ids, accepted, errors, seconds };
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
  const delivery = await deliverQueued(config, samples.length, timeoutMs);
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

const ms = (value: number) => +value.toFixed(3);
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
  inspector = new Inspector(quietRedis(configs.ordered.redis, 'consumer', 'bench-inspector'));
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
