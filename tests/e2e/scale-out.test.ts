import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { Ops } from '@hookrelay/ops';
import { createRedis, deliveryQueueName, type RedisClient } from '@hookrelay/queue';
import { freePort, startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import { verifyPlugin } from '@hookrelay/verifiers';
import { appEntry, runNode, type AppRun } from './app-process.js';
import { STRIPE_SECRET } from './harness.js';
import {
  orderViolations,
  startOrderingBackend,
  type OrderedHit,
  type OrderingBackend,
} from './ordering-backend.js';
import { busiestWindow, startRecordingBackend, type RecordingBackend } from './protection-kit.js';
import { stripeFixtureWithId, stripeSignature } from './stripe-events.js';

/*
 * Horizontal scale (README "Guarantees", docs/inbox.md, docs/ordering.md): two ingress processes
 * and three worker processes (apps/<name>/dist, as deployed) on one Redis, on loopback, without
 * faults. One config with a source per concern, started once: a stream spread over both ingresses
 * is delivered exactly once; a provider event sent to both ingresses is accepted once; a pause holds
 * every worker and a resume releases them; a dead letter's replay is delivered once; a destination
 * rate limit holds across the three workers together; the breaker one worker opens holds them all
 * and closes once the backend heals; orderBy keys keep the order they were acknowledged in.
 */

const RATE = 20;
const COOLDOWN_MS = 2_000;

const yaml = `redis: { url: "\${REDIS_URL}", prefix: scale }
ingress: { port: \${PORT}, host: 127.0.0.1 }
worker: { port: \${WORKER_PORT}, host: 127.0.0.1, concurrency: 20 }
log: { level: info }
sources:
  stream:
    verify: { type: stripe, secret: "\${STRIPE_WEBHOOK_SECRET}" }
    destination: { url: "\${BACKEND_URL}/stream" }
  dedupe:
    verify: { type: stripe, secret: "\${STRIPE_WEBHOOK_SECRET}" }
    destination: { url: "\${BACKEND_URL}/dedupe" }
  paused:
    verify: { type: stripe, secret: "\${STRIPE_WEBHOOK_SECRET}" }
    destination: { url: "\${BACKEND_URL}/paused" }
  replayed:
    verify: { type: stripe, secret: "\${STRIPE_WEBHOOK_SECRET}" }
    retry: { attempts: 1 }
    destination: { url: "\${BACKEND_URL}/replayed", breaker: false }
  limited:
    verify: { type: stripe, secret: "\${STRIPE_WEBHOOK_SECRET}" }
    destination: { url: "\${BACKEND_URL}/limited", rateLimit: { max: ${RATE}, per: 1s }, breaker: false }
  flaky:
    verify: { type: stripe, secret: "\${STRIPE_WEBHOOK_SECRET}" }
    retry: { attempts: 50, backoff: fixed, delay: 100ms, jitter: 0 }
    destination:
      url: "\${BACKEND_URL}/flaky"
      breaker: { failureRate: 50%, minRequests: 10, window: 30s, cooldown: ${COOLDOWN_MS}ms }
  ordered:
    verify: { type: stripe, secret: "\${STRIPE_WEBHOOK_SECRET}" }
    destination: { url: "\${ORDERING_URL}/ordered", orderBy: body.key }
`;

/** What an ingress answered one request. */
interface Answer {
  readonly status: number;
  readonly id?: string;
  readonly duplicate?: boolean;
}

/** One JSON log line of a process. */
interface LogLine {
  readonly timestamp: string;
  readonly message: string;
  readonly source?: string;
  readonly id?: string;
  readonly cooldownMs?: number;
}

const parse = (line: string): LogLine | undefined => {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
};

/** Runs task(0)…task(count - 1), `lanes` at a time. */
async function inLanes(count: number, lanes: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
}

describe('2 ingress processes and 3 worker processes on one Redis', () => {
  let redis: TestRedis;
  let backend: RecordingBackend;
  let ordering: OrderingBackend;
  let config: HookrelayConfig;
  let dir: string;
  let inspector: RedisClient;
  let ops: Ops;
  const ingresses: { run: AppRun; url: string }[] = [];
  const workers: AppRun[] = [];
  const queues = new Map<string, Queue>();
  /** /flaky answers 500 while this is true. */
  let flakyFailing = true;
  /** /replayed answers 400 to the first request of each event. */
  const replayedSeen = new Set<string>();

  const queue = (source: string) => {
    const name = deliveryQueueName(source, 'default');
    let handle = queues.get(name);
    if (!handle) {
      handle = new Queue(name, { connection: inspector, prefix: config.redis.prefix });
      queues.set(name, handle);
    }
    return handle;
  };

  /** POSTs a Stripe-signed `body` for `source` to ingress `which` (0 or 1). */
  async function send(which: number, source: string, body: Buffer): Promise<Answer> {
    const response = await fetch(`${ingresses[which]!.url}/webhooks/${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body) },
      body,
    });
    const answer = (await response.json().catch(() => ({}))) as {
      id?: string;
      duplicate?: boolean;
    };
    return { status: response.status, id: answer.id, duplicate: answer.duplicate };
  }

  /** A Stripe event with its own id, its `key` and `n` at the top (what the ordering backend reads). */
  const eventBody = (id: string, extra: Record<string, unknown> = {}) =>
    Buffer.from(JSON.stringify({ id, object: 'event', type: 'test.event', ...extra }));

  /** Sends `count` fresh events of `source`, alternating the ingresses; every one must be a 202. */
  async function sendMany(source: string, count: number, lanes = 20): Promise<string[]> {
    const ids = new Array<string>(count);
    const tag = randomUUID().slice(0, 8);
    await inLanes(count, lanes, async (i) => {
      const answer = await send(i % 2, source, eventBody(`evt_${source}_${tag}_${i}`));
      expect(answer.status, `${source} event ${i}`).toBe(202);
      ids[i] = answer.id!;
    });
    return ids;
  }

  /** Requests the backend received on `path`, and those answered 2xx, per hookrelay id. */
  const arrivalsOn = (path: string) => backend.arrivals.filter((a) => a.path === path);
  const requestsPerId = (path: string) => {
    const counts = new Map<string, number>();
    for (const arrival of arrivalsOn(path))
      counts.set(arrival.id, (counts.get(arrival.id) ?? 0) + 1);
    return counts;
  };

  /** Waits until BullMQ recorded `count` jobs of `source` completed: nothing is left to send. */
  const allCompleted = (source: string, count: number) =>
    waitFor(async () => (await queue(source).getJobCounts('completed')).completed === count, {
      timeoutMs: 20_000,
      what: `${count} ${source} jobs completed`,
    });

  /** Each worker process's log lines with `message` (and `source`, when given). */
  const linesOf = (run: AppRun, message: string, source?: string) =>
    run.lines
      .map(parse)
      .filter(
        (line): line is LogLine =>
          line?.message === message && (source === undefined || line.source === source),
      );
  const deliveredBy = (source: string) =>
    workers.map((run) => linesOf(run, 'delivered', source).length);

  beforeAll(async () => {
    redis = await startTestRedis();
    backend = await startRecordingBackend();
    backend.answer = (arrival) => {
      if (arrival.path === '/flaky') return { status: flakyFailing ? 500 : 200 };
      if (arrival.path === '/replayed' && !replayedSeen.has(arrival.id)) {
        replayedSeen.add(arrival.id);
        return { status: 400 };
      }
      return { status: 200 };
    };
    // A few ms per answer, so that keys overlap across workers and a key's next event could overtake.
    ordering = await startOrderingBackend((hit: OrderedHit) => ({
      status: 200,
      delayMs: (hit.n * 7 + hit.key.length) % 5,
    }));
    dir = mkdtempSync(join(tmpdir(), 'hookrelay-scale-out-'));
    const file = join(dir, 'hookrelay.yaml');
    writeFileSync(file, yaml);
    const env = {
      REDIS_URL: redis.url,
      BACKEND_URL: backend.url,
      ORDERING_URL: ordering.url,
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    };
    config = parseConfig(yaml, { ...env, PORT: '1', WORKER_PORT: '1' }, { verify: verifyPlugin });
    inspector = createRedis(config.redis, 'consumer', 'test-scale-out');
    inspector.on('error', () => undefined);
    ops = new Ops(config, inspector);

    const ready = async (run: AppRun, url: string) =>
      waitFor(
        async () => {
          if (run.child.exitCode !== null)
            throw new Error(`exited with ${run.child.exitCode}: ${run.lines.join('\n')}`);
          return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
        },
        { timeoutMs: 30_000, intervalMs: 50, what: `${url}/readyz` },
      );
    const starts: Promise<unknown>[] = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const run = runNode(appEntry('ingress'), {
        ...process.env,
        ...env,
        HOOKRELAY_CONFIG: file,
        PORT: String(port),
        WORKER_PORT: '1',
      });
      const url = `http://127.0.0.1:${port}`;
      ingresses.push({ run, url });
      starts.push(ready(run, url));
    }
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const run = runNode(appEntry('worker'), {
        ...process.env,
        ...env,
        HOOKRELAY_CONFIG: file,
        PORT: '1',
        WORKER_PORT: String(port),
      });
      workers.push(run);
      starts.push(ready(run, `http://127.0.0.1:${port}`));
    }
    await Promise.all(starts);
  }, 60_000);

  afterAll(async () => {
    const runs = [...ingresses.map(({ run }) => run), ...workers];
    const errors = runs.flatMap((run, i) =>
      run.lines
        .filter((line) => run.stderr.includes(line) || line.includes('"level":"error"'))
        .filter((line) => !line.includes('"dead-lettered"'))
        .slice(0, 10)
        .map((line) => `process ${i}: ${line}`),
    );
    if (errors.length) console.log(`scale-out process errors:\n${errors.join('\n')}`);
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await Promise.all(runs.map((run) => run.exited));
    await ops?.close();
    await Promise.allSettled([...queues.values()].map((q) => q.close()));
    inspector?.disconnect();
    await backend?.close();
    await ordering?.close();
    await redis?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a stream spread over both ingresses exactly once, by all three workers', async () => {
    const EVENTS = 600;
    const tag = randomUUID().slice(0, 8);
    const acked = new Map<string, string>();
    const byIngress = [0, 0];
    await inLanes(EVENTS, 20, async (i) => {
      const providerId = `evt_stream_${tag}_${i}`;
      const answer = await send(
        i % 2,
        'stream',
        stripeFixtureWithId('payment_intent.succeeded', providerId),
      );
      expect(answer.status, providerId).toBe(202);
      acked.set(answer.id!, providerId);
      byIngress[i % 2]! += 1;
    });
    expect(acked.size).toBe(EVENTS);

    await waitFor(() => backend.delivered('/stream').size === EVENTS, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `all ${EVENTS} stream events at the backend`,
    });
    await allCompleted('stream', EVENTS);
    const counts = requestsPerId('/stream');
    const repeated = [...counts].filter(([, n]) => n > 1);
    const perWorker = deliveredBy('stream');
    console.log(
      `scale-out stream: ${EVENTS} events, ${byIngress.join(' + ')} per ingress, delivered by ` +
        `worker ${perWorker.join(' + ')}, ${arrivalsOn('/stream').length} requests at the backend`,
    );
    expect(new Set(counts.keys())).toEqual(new Set(acked.keys()));
    expect(repeated).toEqual([]);
    expect(arrivalsOn('/stream')).toHaveLength(EVENTS);
    for (const n of perWorker) expect(n).toBeGreaterThan(0);
  }, 60_000);

  it('accepts a provider event sent to both ingresses once, concurrently or one after the other, and delivers it once', async () => {
    const tag = randomUUID().slice(0, 8);
    const firsts = new Set<string>();
    const check = (answers: Answer[], what: string) => {
      const accepted = answers.filter((a) => a.status === 202);
      const repeats = answers.filter((a) => a.status === 200);
      expect(accepted, what).toHaveLength(1);
      expect(repeats, what).toHaveLength(1);
      expect(repeats[0]!.duplicate, what).toBe(true);
      expect(repeats[0]!.id, what).toBe(accepted[0]!.id);
      firsts.add(accepted[0]!.id!);
    };
    // At the same moment, to both.
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const body = eventBody(`evt_dedupe_${tag}_together_${i}`);
        check(
          await Promise.all([send(0, 'dedupe', body), send(1, 'dedupe', body)]),
          `together ${i}`,
        );
      }),
    );
    // One after the other, either first.
    for (let i = 0; i < 10; i++) {
      const body = eventBody(`evt_dedupe_${tag}_after_${i}`);
      const first = await send(i % 2, 'dedupe', body);
      const second = await send(1 - (i % 2), 'dedupe', body);
      expect(first.status, `after ${i}`).toBe(202);
      check([first, second], `after ${i}`);
    }
    expect(firsts.size).toBe(20);

    await waitFor(() => backend.delivered('/dedupe').size === 20, {
      timeoutMs: 15_000,
      what: 'the 20 events at the backend',
    });
    await allCompleted('dedupe', 20);
    expect(new Set(requestsPerId('/dedupe').keys())).toEqual(firsts);
    expect(arrivalsOn('/dedupe')).toHaveLength(20);
  }, 30_000);

  it('holds a paused source on every worker while others flow, and delivers it all once resumed', async () => {
    const paused = await ops.pauseSource('paused');
    expect(paused.paused).toBe(true);
    const ids = await sendMany('paused', 30);
    // The intake made them jobs; they wait.
    await waitFor(
      async () => (await ops.sourceCounts('paused'))[0]!.destinations[0]!.waiting === 30,
      { timeoutMs: 10_000, what: 'the 30 paused events waiting' },
    );
    // Meanwhile the three workers go on delivering another source: they are running, and hold it.
    const before = deliveredBy('stream');
    const sentinels = await sendMany('stream', 60);
    await waitFor(() => sentinels.every((id) => backend.delivered('/stream').has(id)), {
      timeoutMs: 15_000,
      what: 'the other source delivered while paused',
    });
    const during = deliveredBy('stream').map((n, i) => n - before[i]!);
    expect(arrivalsOn('/paused')).toEqual([]);
    expect((await ops.sourceCounts('paused'))[0]!.destinations[0]).toMatchObject({
      waiting: 30,
      delivering: 0,
      delivered: 0,
    });

    const resumed = await ops.resumeSource('paused');
    expect(resumed.paused).toBe(false);
    await waitFor(() => backend.delivered('/paused').size === 30, {
      timeoutMs: 15_000,
      what: 'the 30 paused events delivered after the resume',
    });
    await allCompleted('paused', 30);
    console.log(
      `scale-out pause: other source delivered by worker ${during.join(' + ')} while paused; ` +
        `after the resume, the paused source by worker ${deliveredBy('paused').join(' + ')}`,
    );
    expect(new Set(requestsPerId('/paused').keys())).toEqual(new Set(ids));
    expect(arrivalsOn('/paused')).toHaveLength(30);
  }, 40_000);

  it('delivers a replayed dead letter once', async () => {
    const [id] = await sendMany('replayed', 1);
    await waitFor(
      async () =>
        (await ops.listDeadLetters({ source: 'replayed' })).deadLetters.some((d) => d.id === id),
      { timeoutMs: 10_000, what: 'the event dead-lettered (a 400 is not retried)' },
    );
    const outcome = await ops.replayDeadLetters({ source: 'replayed', ids: [id!] });
    expect(outcome).toMatchObject({ dryRun: false, replayed: 1 });
    await waitFor(() => backend.delivered('/replayed').has(id!), {
      timeoutMs: 10_000,
      what: 'the replay delivered',
    });
    await allCompleted('replayed', 1);
    const requests = arrivalsOn('/replayed').filter((a) => a.id === id);
    // The first attempt (400, dead), then the replay (200): one delivery.
    expect(requests.map((a) => a.attempt)).toEqual([1, 1]);
    expect(backend.delivered('/replayed')).toEqual(new Set([id]));
    expect((await ops.listDeadLetters({ source: 'replayed' })).total).toBe(0);
  }, 30_000);

  it(`keeps a destination's rateLimit of ${RATE}/s across the three workers together`, async () => {
    const EVENTS = 100;
    const ids = await sendMany('limited', EVENTS);
    await waitFor(() => backend.delivered('/limited').size === EVENTS, {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: `all ${EVENTS} rate-limited deliveries`,
    });
    const times = arrivalsOn('/limited').map((a) => a.at);
    const busiest = busiestWindow(times);
    const spanS = (Math.max(...times) - Math.min(...times)) / 1000;
    const perWorker = deliveredBy('limited');
    console.log(
      `scale-out rateLimit ${RATE}/s: busiest 1 s window at the backend ${busiest}; ${EVENTS} in ` +
        `${spanS.toFixed(2)} s; by worker ${perWorker.join(' + ')}`,
    );
    // README "Rate limit": no sliding window of `per` starts more than `max`; arrivals at the
    // backend trail the starts by a few ms, which the 10 % allows for.
    expect(busiest).toBeLessThanOrEqual(RATE * 1.1);
    expect(spanS).toBeGreaterThanOrEqual((EVENTS - RATE * 1.1) / RATE);
    expect(new Set(requestsPerId('/limited').keys())).toEqual(new Set(ids));
    expect(perWorker.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  }, 40_000);

  it('opens the breaker for every worker when the backend fails, and closes it once it heals', async () => {
    const EVENTS = 30;
    const ids = await sendMany('flaky', EVENTS);
    const opened = await waitFor(
      () =>
        workers
          .map((run, worker) => ({ worker, line: linesOf(run, 'breaker opened', 'flaky')[0] }))
          .find(({ line }) => line !== undefined),
      { timeoutMs: 15_000, what: 'the breaker to open' },
    );
    // The backend heals at once: only the breaker keeps the workers from it until its cooldown ends.
    flakyFailing = false;
    const healedAt = Date.now();
    const openedAt = Date.parse(opened.line!.timestamp);
    expect(opened.line!.cooldownMs).toBe(COOLDOWN_MS);

    await waitFor(() => workers.some((run) => linesOf(run, 'breaker closed', 'flaky').length), {
      timeoutMs: 15_000,
      what: 'the breaker to close',
    });
    await waitFor(() => backend.delivered('/flaky').size === EVENTS, {
      timeoutMs: 15_000,
      what: `all ${EVENTS} events delivered once it closed`,
    });
    await allCompleted('flaky', EVENTS);

    const arrivals = arrivalsOn('/flaky');
    const failed = arrivals.filter((a) => a.at <= openedAt).length;
    // A worker that heard `closed` from Redis trusts it up to 250 ms (README "Circuit breaker"):
    // past that, nothing reaches the backend until the cooldown is over, whichever worker.
    const quietFrom = openedAt + 500;
    const probe = arrivals.find((a) => a.at >= quietFrom);
    const inCooldown = arrivals.filter(
      (a) => a.at >= quietFrom && a.at < openedAt + COOLDOWN_MS - 50,
    );
    const justAfter = arrivals.filter((a) => a.at > openedAt && a.at < quietFrom);
    const halfOpen = workers.map((run) => linesOf(run, 'breaker half-open', 'flaky').length);
    const attemptsBy = workers.map(
      (run) => linesOf(run, 'delivery attempt failed', 'flaky').length,
    );
    console.log(
      `scale-out breaker: ${failed} requests up to the opening (failed attempts by worker ` +
        `${attemptsBy.join(' + ')}), ${justAfter.length} in the next 500 ms (the last ` +
        `${justAfter.length ? justAfter.at(-1)!.at - openedAt : '-'} ms after the opening), ` +
        `${inCooldown.length} later in the cooldown; first request after it ` +
        `${probe ? probe.at - openedAt : '-'} ms after the opening; half-open by worker ` +
        `${halfOpen.join(' + ')}; ${arrivals.length} requests for ${EVENTS} events`,
    );
    expect(inCooldown).toEqual([]);
    expect(probe!.at - openedAt).toBeGreaterThanOrEqual(COOLDOWN_MS - 50);
    expect(halfOpen.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(1);
    expect(backend.delivered('/flaky')).toEqual(new Set(ids));
    // Healed, the backend answers 200: no event was sent twice from then on.
    const okCounts = new Map<string, number>();
    for (const arrival of arrivals.filter((a) => a.at > healedAt))
      okCounts.set(arrival.id, (okCounts.get(arrival.id) ?? 0) + 1);
    expect([...okCounts].filter(([, n]) => n > 1)).toEqual([]);
    expect((await ops.sourceCounts('flaky'))[0]!.destinations[0]!.breaker).toBe('closed');
  }, 40_000);

  it('delivers each orderBy key in the order its events were acknowledged, across both ingresses and all workers', async () => {
    const KEYS = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const EVENTS = 12;
    const tag = randomUUID().slice(0, 8);
    const ackedOrder = new Map<string, string[]>();
    // Each key's events alternate between the ingresses; event n+1 leaves once n was acknowledged.
    await Promise.all(
      KEYS.map(async (key, k) => {
        const ids: string[] = [];
        for (let n = 1; n <= EVENTS; n++) {
          const body = eventBody(`evt_ordered_${tag}_${key}_${n}`, { key, n });
          const answer = await send((k + n) % 2, 'ordered', body);
          expect(answer.status).toBe(202);
          ids.push(answer.id!);
        }
        ackedOrder.set(key, ids);
      }),
    );
    const total = KEYS.length * EVENTS;
    const mine = () => ordering.hits.filter((hit) => KEYS.includes(hit.key));
    await waitFor(() => new Set(mine().map((hit) => hit.id)).size === total, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `all ${total} ordered events at the backend`,
    });
    await allCompleted('ordered', total);

    const hits = mine();
    const perWorker = deliveredBy('ordered');
    console.log(
      `scale-out orderBy: ${KEYS.length} keys × ${EVENTS} events over 2 ingresses, delivered by ` +
        `worker ${perWorker.join(' + ')}; peak ${ordering.peak.keysInFlight} keys / ` +
        `${ordering.peak.inFlight} requests in flight`,
    );
    expect(orderViolations(hits)).toEqual([]);
    for (const key of KEYS)
      expect(
        hits.filter((hit) => hit.key === key).map((hit) => hit.id),
        key,
      ).toEqual(ackedOrder.get(key));
    expect(ordering.peak.inFlight).toBe(ordering.peak.keysInFlight);
    expect(perWorker.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
