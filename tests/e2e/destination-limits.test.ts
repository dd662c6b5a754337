import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { createLogger } from '@hookrelay/logger';
import { createRegistry, deliveryMetrics } from '@hookrelay/metrics';
import { Ops } from '@hookrelay/ops';
import { createRedis, withCompletion, type AttemptRecord } from '@hookrelay/queue';
import { freePort, startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import { verifyPlugin } from '@hookrelay/verifiers';
import { startDeliveryWorkers } from '@hookrelay/worker';
import { appEntry, runNode, type AppRun } from './app-process.js';
import { startRelay, type Relay } from './harness.js';
import {
  busiestWindow,
  enqueueEvents,
  startRecordingBackend,
  type RecordingBackend,
} from './protection-kit.js';

/**
 * docs/contract.md §5 "Protecting the backend": a destination's `rateLimit` and `concurrency` hold
 * across every worker process, a 429 or 503 with Retry-After holds the whole destination without
 * spending attempts, and replays share the rate limit with everything else.
 */

describe('limits shared by two worker processes', () => {
  const RATE = 150;
  const EVENTS = 2_000;
  const CAP = 5;
  let redis: TestRedis;
  let backend: RecordingBackend;
  let config: HookrelayConfig;
  let dir: string;
  const workers: AppRun[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    backend = await startRecordingBackend();
    backend.answer = (arrival) =>
      arrival.path === '/capped' ? { status: 200, holdMs: 200 } : { status: 200 };
    const yaml = `redis: { url: ${redis.url}, prefix: test }
worker: { port: \${WORKER_PORT}, host: 127.0.0.1, concurrency: 50 }
log: { level: info }
sources:
  limited:
    verify: { type: none }
    destination: { url: "${backend.url}/limited", rateLimit: { max: ${RATE}, per: 1s }, breaker: false }
  capped:
    verify: { type: none }
    destination: { url: "${backend.url}/capped", concurrency: ${CAP}, breaker: false }
`;
    config = parseConfig(yaml, { WORKER_PORT: '1' }, { verify: verifyPlugin });
    dir = mkdtempSync(join(tmpdir(), 'hookrelay-limits-'));
    writeFileSync(join(dir, 'hookrelay.yaml'), yaml);
    for (let i = 0; i < 2; i++) {
      const run = runNode(appEntry('worker'), {
        ...process.env,
        HOOKRELAY_CONFIG: join(dir, 'hookrelay.yaml'),
        WORKER_PORT: String(await freePort()),
      });
      workers.push(run);
    }
    // Both consuming: each answers /readyz 200 once its workers run.
    await Promise.all(workers.map((run) => run.line(/"message":"listening"/, 20_000)));
  }, 60_000);

  afterAll(async () => {
    for (const run of workers) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    await backend?.close();
    await redis?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`rateLimit ${RATE}/s: no 1-second window at the backend holds more than ${RATE * 1.1}, and all ${EVENTS} arrive`, async () => {
    const ids = await enqueueEvents(config, 'limited', EVENTS);
    await waitFor(() => backend.delivered('/limited').size === EVENTS, {
      timeoutMs: 40_000,
      intervalMs: 100,
      what: `all ${EVENTS} deliveries`,
    });
    const arrivals = backend.arrivals.filter((a) => a.path === '/limited');
    const busiest = busiestWindow(arrivals.map((a) => a.at));
    const spanS = (arrivals.at(-1)!.at - arrivals[0]!.at) / 1000;
    console.log(
      `rateLimit ${RATE}/s, 2 worker processes: busiest 1 s window ${busiest} deliveries; ${EVENTS} in ${spanS} s`,
    );
    expect(busiest).toBeLessThanOrEqual(RATE * 1.1);
    expect(backend.delivered('/limited')).toEqual(new Set(ids));
    // Both processes delivered: the limit held across them, not within one.
    const deliveredBy = workers.map(
      (run) =>
        run.lines.filter((l) => l.includes('"message":"delivered"') && l.includes('"limited"'))
          .length,
    );
    console.log(`deliveries by process: ${deliveredBy.join(' + ')}`);
    expect(deliveredBy.every((n) => n > 0)).toBe(true);
  }, 60_000);

  it(`concurrency ${CAP}: never more than ${CAP} requests open at the backend at once`, async () => {
    const ids = await enqueueEvents(config, 'capped', 60);
    await waitFor(() => backend.delivered('/capped').size === ids.length, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'every capped delivery',
    });
    const open = backend.maxInFlight();
    console.log(`concurrency ${CAP}, 2 worker processes, 200 ms backend: at most ${open} open`);
    expect(open).toBeLessThanOrEqual(CAP);
    expect(open).toBeGreaterThanOrEqual(2);
    expect(backend.delivered('/capped')).toEqual(new Set(ids));
  }, 40_000);
});

describe('a 429 with Retry-After, and replays, in one worker', () => {
  let relay: Relay;
  let backend: RecordingBackend;

  beforeAll(async () => {
    backend = await startRecordingBackend();
    relay = await startRelay({
      env: { TEST_BACKEND: backend.url },
      yaml: `sources:
  held:
    verify: { type: none }
    retry: { attempts: 3, delay: 100ms, jitter: 0 }
    destination: { url: "\${TEST_BACKEND}/held", breaker: false }
  other:
    verify: { type: none }
    retry: { attempts: 3, delay: 100ms, jitter: 0 }
    destination: { url: "\${TEST_BACKEND}/other", breaker: false }
  replayed:
    verify: { type: none }
    retry: { attempts: 1 }
    destination: { url: "\${TEST_BACKEND}/replayed", rateLimit: { max: 200, per: 1s }, breaker: false }
  retried:
    verify: { type: none }
    retry: { attempts: 3, backoff: fixed, delay: 300ms, jitter: 0 }
    destination: { url: "\${TEST_BACKEND}/retried", rateLimit: { max: 100, per: 1s }, breaker: false }
`,
    });
  }, 30_000);

  afterAll(async () => {
    await relay?.close();
    await backend?.close();
  });

  it('holds the whole destination for Retry-After, spends no attempt, and lets other destinations flow', async () => {
    let answered429 = false;
    backend.answer = (arrival) => {
      if (arrival.path === '/held' && !answered429) {
        answered429 = true;
        return { status: 429, headers: { 'retry-after': '3' } };
      }
      return { status: 200 };
    };
    const [first] = await enqueueEvents(relay.config, 'held', 1);
    const hit = await waitFor(() => backend.arrivals.find((a) => a.path === '/held'), {
      what: 'the first attempt',
    });
    const heldAt = hit.at;
    const behind = await enqueueEvents(relay.config, 'held', 20);
    const others = await enqueueEvents(relay.config, 'other', 20);

    await waitFor(() => backend.delivered('/other').size === others.length, {
      timeoutMs: 10_000,
      what: 'the other destination',
    });
    const otherDoneAt = Math.max(
      ...backend.arrivals.filter((a) => a.path === '/other').map((a) => a.at),
    );
    expect(otherDoneAt - heldAt).toBeLessThan(3_000);

    await waitFor(() => backend.delivered('/held').size === 21, {
      timeoutMs: 20_000,
      what: 'the held destination, after the hold',
    });
    const heldArrivals = backend.arrivals.filter((a) => a.path === '/held');
    const afterHold = heldArrivals.slice(1);
    const earliest = Math.min(...afterHold.map((a) => a.at));
    console.log(
      `429 Retry-After: 3 → next request to that destination ${earliest - heldAt} ms later`,
    );
    expect(earliest - heldAt).toBeGreaterThanOrEqual(3_000);
    expect(heldArrivals).toHaveLength(22);
    // Every request carried attempt 1: the 429 spent no attempt, of its event or of those behind it.
    expect(heldArrivals.every((a) => a.attempt === 1)).toBe(true);

    const queue = relay.queue('held');
    const control = await relay.queue('other').getJob(others[0]!);
    for (const id of [first!, ...behind]) {
      const job = await queue.getJob(id);
      expect(job!.attemptsMade, id).toBe(control!.attemptsMade);
      expect(await job!.getState()).toBe('completed');
    }
    // Every attempt as the event log reads them: the job's log, then its return value.
    const { logs } = await queue.getJobLogs(first!);
    const records = withCompletion(
      logs.map((line) => JSON.parse(line) as AttemptRecord),
      (await queue.getJob(first!))!.returnvalue,
    );
    expect(records).toEqual([
      expect.objectContaining({
        attempt: 1,
        status: 429,
        outcome: 'held',
        error: 'HTTP 429 from the backend — destination held 3 s',
      }),
      expect.objectContaining({ attempt: 1, status: 200, outcome: 'delivered' }),
    ]);
    expect(relay.logs.find('destination held')).toEqual([
      expect.objectContaining({ id: first, status: 429, holdMs: 3_000 }),
    ]);
  }, 40_000);

  it('sets the cross-process concurrency cap from the config at start, and removes it once the config drops it', async () => {
    const queue = relay.queue('other');
    const connection = createRedis(relay.config.redis, 'consumer', 'test-cap');
    connection.on('error', () => undefined);
    const start = (config: HookrelayConfig) =>
      startDeliveryWorkers({
        config,
        connection,
        logger: createLogger({ app: 'worker', stream: relay.logs, level: 'warn' }),
        metrics: deliveryMetrics(createRegistry('worker')),
      });
    const withCap = {
      ...relay.config,
      sources: relay.config.sources.map((source) => ({
        ...source,
        destinations: source.destinations.map((d) => ({ ...d, concurrency: 7 })),
      })),
    } as HookrelayConfig;
    try {
      const capped = start(withCap);
      await waitFor(async () => (await queue.getGlobalConcurrency()) === 7 && capped.isRunning(), {
        what: 'the cap in Redis and the workers running',
      });
      await capped.close();
      const uncapped = start(relay.config);
      await waitFor(async () => (await queue.getGlobalConcurrency()) === null, {
        what: 'the cap removed',
      });
      await uncapped.close();
    } finally {
      connection.disconnect();
    }
  });

  it('retries share the rate limit with first attempts (100/s)', async () => {
    const EVENTS = 400;
    const failedOnce = new Set<string>();
    backend.answer = (arrival) => {
      if (arrival.path !== '/retried' || failedOnce.has(arrival.id)) return { status: 200 };
      failedOnce.add(arrival.id);
      return { status: 500 };
    };
    const ids = await enqueueEvents(relay.config, 'retried', EVENTS);
    await waitFor(() => backend.delivered('/retried').size === EVENTS, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'every event, on its second attempt',
    });
    const arrivals = backend.arrivals.filter((a) => a.path === '/retried');
    expect(arrivals).toHaveLength(2 * EVENTS);
    expect(arrivals.filter((a) => a.attempt === 2)).toHaveLength(EVENTS);
    const busiest = busiestWindow(arrivals.map((a) => a.at));
    console.log(
      `${EVENTS} first attempts + ${EVENTS} retries at rateLimit 100/s: busiest 1 s window ${busiest}`,
    );
    expect(busiest).toBeLessThanOrEqual(110);
    expect(backend.delivered('/retried')).toEqual(new Set(ids));
  }, 40_000);

  it('a replay of 1,000 dead events keeps to the destination rate limit (200/s)', async () => {
    const DEAD = 1_000;
    backend.answer = (arrival) => ({ status: arrival.path === '/replayed' ? 400 : 200 });
    await enqueueEvents(relay.config, 'replayed', DEAD);
    const failedCount = () => relay.queue('replayed').getFailedCount();
    await waitFor(async () => (await failedCount()) === DEAD, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the dead letters',
    });
    backend.answer = () => ({ status: 200 });
    const connection = createRedis(relay.config.redis, 'consumer', 'test-ops');
    connection.on('error', () => undefined);
    const ops = new Ops(relay.config, connection);
    try {
      const replayStartedAt = Date.now();
      const outcome = await ops.replayDeadLetters({ source: 'replayed', rate: 100_000 });
      expect(outcome).toMatchObject({ dryRun: false, replayed: DEAD });
      await waitFor(() => backend.delivered('/replayed').size === DEAD, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'every replay delivered',
      });
      const replays = backend.arrivals.filter(
        (a) => a.path === '/replayed' && a.at >= replayStartedAt,
      );
      const busiest = busiestWindow(replays.map((a) => a.at));
      console.log(`replay of ${DEAD} at rateLimit 200/s: busiest 1 s window ${busiest}`);
      expect(busiest).toBeLessThanOrEqual(220);
    } finally {
      await ops.close();
      connection.disconnect();
    }
  }, 60_000);
});
