/**
 * How hard the relay hits a backend that is down, and what a rate limit lets through (README.md →
 * "Protecting your backend"). Real Redis, the worker in this process, a plain node:http backend.
 *   npm run bench:protection -w bench                         (60 s outage, 1,000 events; 2,000 for throughput)
 *   npm run bench:protection -w bench -- --outage 10 --events 200 --throughput-events 500 --limited-events 600
 * Prints one JSON summary:
 *   outage      requests that reached the dead backend (500 to everything) while it was down, then
 *               how many events ended delivered vs dead once it answered 200 again;
 *   throughput  events/s through one worker against a fast 200 backend, no limit set (the median
 *               of --rounds runs, each on its own queue);
 *   rateLimited the busiest 1-second window at the backend under `rateLimit: { max: 150, per: 1s }`:
 *               within any 1 s (sliding), and the busiest of back-to-back seconds from the first
 *               arrival (skipped when this build's config has no rateLimit).
 * Its workers are assembled as apps/worker's are, with each destination's circuit breaker when
 * this build has one (README.md → "Circuit breaker"), so the same script measures the code before
 * and after it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { deliveryQueueName, EventEnqueuer } from '@hookrelay/queue';
import { startTestRedis, type TestRedis } from '@hookrelay/testing';
import { verifyPlugin } from '@hookrelay/verifiers';
import { busiestWindow } from '@hookrelay/demo-backend';
import { LocalBackend } from './kit/local-backend.js';
import { quietRedis, ready } from './kit/redis.js';
import { startWorkers } from './kit/workers.js';

const { values } = parseArgs({
  options: {
    outage: { type: 'string', default: '60' },
    events: { type: 'string', default: '1000' },
    'throughput-events': { type: 'string', default: '2000' },
    'limited-events': { type: 'string', default: '1500' },
    rounds: { type: 'string', default: '3' },
    limit: { type: 'string', default: '150' },
    concurrency: { type: 'string', default: '50' },
    'recovery-timeout': { type: 'string', default: '600' },
    only: { type: 'string' },
    /** The breaker's cooldown (default its own, 30s): a short run need not wait 30 s for a probe. */
    'breaker-cooldown': { type: 'string' },
  },
});
const outageS = Number(values.outage);
const events = Number(values.events);
const throughputEvents = Number(values['throughput-events']);
const limitedEvents = Number(values['limited-events']);
const limit = Number(values.limit);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const recoveryTimeoutMs = Number(values['recovery-timeout']) * 1000;
const only = values.only?.split(',');
const breaker = values['breaker-cooldown']
  ? `, breaker: { cooldown: ${values['breaker-cooldown']} }`
  : '';
const SOURCE = 'bench';

/** A backend that counts what reaches it: 500 to everything while `down`, 200 otherwise. */
class CountingBackend extends LocalBackend {
  down = false;
  readonly arrivals: number[] = [];
  requestsWhileDown = 0;
  readonly delivered = new Set<string>();

  protected override handle(req: IncomingMessage, res: ServerResponse) {
    this.arrivals.push(performance.now());
    const id = String(req.headers['x-hookrelay-id'] ?? '');
    req.resume();
    req.on('end', () => {
      if (this.down) {
        this.requestsWhileDown += 1;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('down');
        return;
      }
      this.delivered.add(id);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  }
}

/** The most arrivals within back-to-back 1-second windows, the first starting at the first arrival. */
function busiestSteppedSecond(times: readonly number[]): number {
  if (times.length === 0) return 0;
  const first = Math.min(...times);
  const perWindow = new Map<number, number>();
  for (const t of times) {
    const window = Math.floor((t - first) / 1000);
    perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
  }
  return Math.max(...perWindow.values());
}

/** The most arrivals within any 1-second window (sliding). */
const busiestSecond = (times: readonly number[]) => busiestWindow(times, 1_000);

function configFor(redisUrl: string, prefix: string, backendUrl: string, extra = ''): string {
  return `
redis: { url: "${redisUrl}", prefix: ${prefix} }
worker: { concurrency: ${concurrency} }
defaults:
  retry: { attempts: 10, backoff: exponential, delay: 1s, maxDelay: 1h }
  timeout: 10s
sources:
  ${SOURCE}:
    path: /api/webhooks/bench
    verify: { type: token, header: authorization, value: "Bearer bench" }
    destination: { url: "${backendUrl}/webhooks/bench"${breaker}${extra} }
`;
}

/** Queues `count` events with no worker running, then starts one; returns what is needed to watch it. */
async function run(config: HookrelayConfig, count: number) {
  const producer = quietRedis(config.redis, 'producer', 'bench-producer');
  const consumer = quietRedis(config.redis, 'consumer', 'bench-worker');
  const inspector = quietRedis(config.redis, 'consumer', 'bench-inspector');
  await ready(producer);
  const enqueuer = new EventEnqueuer(config, producer);
  const body = JSON.stringify({ type: 'bench.event', data: { amount: 1200 } });
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, (_, j) =>
        enqueuer.enqueue({
          id: `evt_${String(i + j).padStart(6, '0')}`,
          source: SOURCE,
          requestId: `req_${i + j}`,
          receivedAt: Date.now(),
          contentType: 'application/json',
          headers: {},
          body,
          bodyEncoding: 'utf8',
        }),
      ),
    );
  }
  const queue = new Queue(deliveryQueueName(SOURCE, 'default'), {
    connection: inspector,
    prefix: config.redis.prefix,
  });
  const { startedAt, workers } = startWorkers(config, consumer);
  /** Resolves with the job counts once every event is delivered or dead (or the timeout passes). */
  const settled = async (timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const counts = await queue.getJobCounts('completed', 'failed');
      const done = (counts.completed ?? 0) + (counts.failed ?? 0) >= count;
      if (done || performance.now() > deadline)
        return { delivered: counts.completed ?? 0, dead: counts.failed ?? 0, done };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const close = async () => {
    await workers.close();
    await queue.close();
    await enqueuer.close().catch(() => undefined);
    for (const client of [producer, consumer, inspector]) client.disconnect();
  };
  return { startedAt, settled, close };
}

async function outageScenario(redis: TestRedis) {
  const backend = new CountingBackend();
  await backend.start();
  backend.down = true;
  const config = parseConfig(
    configFor(redis.url, 'outage', backend.url),
    {},
    {
      verify: verifyPlugin,
    },
  );
  const relay = await run(config, events);
  await new Promise((resolve) => setTimeout(resolve, outageS * 1000));
  backend.down = false;
  const upAt = performance.now();
  const outageArrivals = backend.arrivals.filter((t) => t < upAt);
  const result = await relay.settled(recoveryTimeoutMs);
  const drainedS = (performance.now() - upAt) / 1000;
  await relay.close();
  await backend.close();
  return {
    outageSeconds: outageS,
    events,
    requestsDuringOutage: backend.requestsWhileDown,
    requestsPerEventDuringOutage: +(backend.requestsWhileDown / events).toFixed(2),
    busiestSecondDuringOutage: busiestSecond(outageArrivals),
    afterRecovery: {
      delivered: result.delivered,
      dead: result.dead,
      allSettled: result.done,
      secondsToSettle: +drainedS.toFixed(1),
      requestsAfterRecovery: backend.arrivals.length - outageArrivals.length,
    },
  };
}

async function throughputRound(redis: TestRedis, round: number) {
  const backend = new CountingBackend();
  await backend.start();
  const config = parseConfig(
    configFor(redis.url, `throughput${round}`, backend.url),
    {},
    {
      verify: verifyPlugin,
    },
  );
  const relay = await run(config, throughputEvents);
  const result = await relay.settled(recoveryTimeoutMs);
  const seconds = (performance.now() - relay.startedAt) / 1000;
  await relay.close();
  await backend.close();
  return {
    events: throughputEvents,
    delivered: result.delivered,
    seconds: +seconds.toFixed(2),
    eventsPerSecond: Math.round(result.delivered / seconds),
    busiestSecond: busiestSecond(backend.arrivals),
  };
}

async function throughputScenario(redis: TestRedis) {
  const runs = [];
  for (let round = 0; round < rounds; round++) runs.push(await throughputRound(redis, round));
  const sorted = runs.map((run) => run.eventsPerSecond).sort((a, b) => a - b);
  return {
    events: throughputEvents,
    medianEventsPerSecond: sorted[Math.floor(sorted.length / 2)],
    runs: runs.map(({ delivered, seconds, eventsPerSecond, busiestSecond }) => ({
      delivered,
      seconds,
      eventsPerSecond,
      busiestSecond,
    })),
  };
}

async function rateLimitedScenario(redis: TestRedis) {
  const backend = new CountingBackend();
  await backend.start();
  let config: HookrelayConfig;
  try {
    config = parseConfig(
      configFor(redis.url, 'limited', backend.url, `, rateLimit: { max: ${limit}, per: 1s }`),
      {},
      { verify: verifyPlugin },
    );
  } catch (error) {
    await backend.close();
    const reason = (error as Error).message.replace(/\s+/g, ' ').slice(0, 300);
    return { skipped: `this build's config refuses rateLimit: ${reason}` };
  }
  const relay = await run(config, limitedEvents);
  const result = await relay.settled(recoveryTimeoutMs);
  const seconds = (performance.now() - relay.startedAt) / 1000;
  await relay.close();
  await backend.close();
  return {
    limitPerSecond: limit,
    events: limitedEvents,
    delivered: result.delivered,
    seconds: +seconds.toFixed(2),
    busiestSecond: busiestSecond(backend.arrivals),
    busiestSteppedSecond: busiestSteppedSecond(backend.arrivals),
    averagePerSecond: Math.round(result.delivered / seconds),
  };
}

const redis = await startTestRedis();
try {
  const summary: Record<string, unknown> = { concurrency };
  if (!only || only.includes('throughput')) summary.throughput = await throughputScenario(redis);
  if (!only || only.includes('rateLimited')) summary.rateLimited = await rateLimitedScenario(redis);
  if (!only || only.includes('outage')) summary.outage = await outageScenario(redis);
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await redis.cleanup();
}
