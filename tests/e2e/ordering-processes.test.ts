import { createHash, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@hookrelay/testing';
import { createRedis, OrderKeys } from '@hookrelay/queue';
import { appEntry, runNode, type AppRun } from './app-process.js';
import { post, startRelay, type Relay } from './harness.js';
import {
  orderViolations,
  startOrderingBackend,
  type OrderedHit,
  type OrderingBackend,
} from './ordering-backend.js';

/*
 * docs/ordering.md across real worker processes (apps/worker/dist, as deployed), the ingress in
 * this process, on a real Redis: the order of a key holds while several processes share its
 * events, when the process holding a key's head is SIGKILLed, and when the head is scheduled.
 */

const WORKER_ENTRY = appEntry('worker');
const SOURCE = 'bookings';

/** A run of real worker processes on one config (each its own port) and their output lines. */
class WorkerProcesses {
  private readonly dir = mkdtempSync(join(tmpdir(), 'hookrelay-ordering-'));
  private readonly runs: AppRun[] = [];
  private count = 0;

  constructor(
    private readonly relay: Relay,
    /** The `worker:` section without its port, as a YAML flow mapping's body. */
    private readonly worker: string,
    private readonly sources: string,
  ) {}

  /** Spawns one worker process and waits until it listens. */
  async start(): Promise<AppRun> {
    this.count += 1;
    const file = join(this.dir, `worker-${this.count}.yaml`);
    writeFileSync(
      file,
      `redis: { url: ${this.relay.redis.url}, prefix: test }\n` +
        `worker: { ${this.worker}, port: ${await freePort()}, host: 127.0.0.1 }\n${this.sources}`,
    );
    const run = runNode(WORKER_ENTRY, { ...process.env, HOOKRELAY_CONFIG: file });
    this.runs.push(run);
    await run.line(/"message":"listening"/, 15_000);
    return run;
  }

  /** Each process's error lines (and its stderr), for the report of a failed test. */
  errors(): string[] {
    return this.runs.flatMap((run, i) =>
      run.lines
        .filter((line) => run.stderr.includes(line) || line.includes('"level":"error"'))
        .slice(0, 20)
        .map((line) => `worker ${i + 1}: ${line}`),
    );
  }

  async close(): Promise<void> {
    const errors = this.errors();
    if (errors.length) console.log(`worker process errors:\n${errors.join('\n')}`);
    for (const run of this.runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await Promise.all(this.runs.map((run) => run.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The ids a worker process logged as delivered. */
const deliveredIds = (run: AppRun): string[] =>
  run.lines
    .filter((line) => line.includes('"message":"delivered"'))
    .map((line) => (JSON.parse(line) as { id: string }).id);

const isOk = (hit: OrderedHit) => hit.status !== undefined && hit.status < 300;
const eventOf = (hit: Pick<OrderedHit, 'key' | 'n'>) => `${hit.key}#${hit.n}`;

/** The (key, n) pairs of `keys` × 1..`events` with no 2xx answer among `hits`. */
function undelivered(hits: readonly OrderedHit[], keys: readonly string[], events: number) {
  const ok = new Set(hits.filter(isOk).map(eventOf));
  return keys.flatMap((key) =>
    Array.from({ length: events }, (_, i) => `${key}#${i + 1}`).filter((e) => !ok.has(e)),
  );
}

/** 2xx answers per event, for the duplicates count. */
function okCounts(hits: readonly OrderedHit[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const hit of hits.filter(isOk))
    counts.set(eventOf(hit), (counts.get(eventOf(hit)) ?? 0) + 1);
  return counts;
}

/** A seeded 32-bit PRNG (mulberry32). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The draws for one request, from the seed and the request alone (key, n, attempt), so a seed
 * replays the same answers whatever order the requests come in.
 */
function drawsFor(seed: number, hit: OrderedHit): () => number {
  const digest = createHash('sha256').update(`${seed}:${hit.key}:${hit.n}:${hit.attempt}`).digest();
  return mulberry32(digest.readUInt32BE(0));
}

const sourcesYaml = (backend: OrderingBackend, extra = '') => `
sources:
  ${SOURCE}:
    verify: { type: none }${extra}
    destination:
      url: ${backend.url}/${SOURCE}
      orderBy: body.key
      retry: { attempts: 25, backoff: fixed, delay: 20ms, jitter: 0 }
`;

async function send(relay: Relay, body: Record<string, unknown>): Promise<string> {
  const answer = await post(relay, `/webhooks/${SOURCE}`, JSON.stringify(body));
  expect(answer.status).toBe(202);
  return answer.body!.id as string;
}

/** Round by round: event n of every key acknowledged before event n+1 of any key is sent. */
async function sendRounds(relay: Relay, keys: readonly string[], events: number): Promise<void> {
  for (let n = 1; n <= events; n++) await Promise.all(keys.map((key) => send(relay, { key, n })));
}

describe('orderBy across two worker processes, a backend failing 15 % at random', () => {
  const KEYS = Array.from({ length: 30 }, (_, i) => `key-${i}`);
  const EVENTS = 30;
  const seed = Number(process.env.ORDERING_SEED ?? randomInt(2 ** 31));
  let backend: OrderingBackend;
  let relay: Relay;
  let workers: WorkerProcesses;

  beforeAll(async () => {
    console.log(`ordering-processes: failure seed ${seed} (rerun with ORDERING_SEED=${seed})`);
    backend = await startOrderingBackend((hit) => {
      const draw = drawsFor(seed, hit);
      const status = draw() < 0.15 ? 500 : 200;
      return { status, delayMs: Math.floor(draw() * 16) };
    });
    relay = await startRelay({ workers: false, yaml: sourcesYaml(backend) });
    workers = new WorkerProcesses(relay, 'concurrency: 50, lockDuration: 5s', sourcesYaml(backend));
  });
  afterAll(async () => {
    await workers?.close();
    await relay?.close();
    await backend?.close();
  });

  it('delivers 30 keys × 30 events, each key in order, keys in parallel, on both processes', async () => {
    const processes = await Promise.all([workers.start(), workers.start()]);
    const started = performance.now();
    await sendRounds(relay, KEYS, EVENTS);
    const sentMs = performance.now() - started;
    await waitFor(() => undelivered(backend.hits, KEYS, EVENTS).length === 0, {
      timeoutMs: 40_000,
      intervalMs: 50,
      what: `every event answered 2xx (seed ${seed})`,
    }).catch((error: unknown) => {
      const left = undelivered(backend.hits, KEYS, EVENTS);
      throw new Error(`${String(error)}; ${left.length} left: ${left.slice(0, 20).join(' ')}`);
    });
    const doneMs = performance.now() - started;

    const queue = relay.queue(SOURCE);
    await waitFor(
      async () => (await queue.getJobCounts('completed')).completed === KEYS.length * EVENTS,
      {
        timeoutMs: 10_000,
        what: 'every job recorded completed',
      },
    );
    expect(await queue.getJobCounts('failed', 'active', 'waiting', 'delayed')).toEqual({
      failed: 0,
      active: 0,
      waiting: 0,
      delayed: 0,
    });
    // Every key's line is gone, and nothing is left parked.
    const order = new OrderKeys(queue);
    const redis = createRedis(relay.config.redis, 'consumer', 'test-ordering-lines');
    try {
      expect(await redis.exists(...KEYS.map((key) => order.line(key)), order.parked())).toBe(0);
    } finally {
      redis.disconnect();
    }

    const violations = orderViolations(backend.hits);
    const counts = okCounts(backend.hits);
    const duplicates = [...counts.values()].reduce((sum, count) => sum + count - 1, 0);
    const failed = backend.hits.filter((hit) => !isOk(hit)).length;
    const perProcess = processes.map((run) => deliveredIds(run).length);
    console.log(
      `ordering-processes[2 workers]: seed ${seed}, ${backend.hits.length} requests ` +
        `(${failed} answered 500), ${duplicates} duplicate 2xx, delivered per process ` +
        `${perProcess.join(' + ')}, peak ${backend.peak.keysInFlight} keys / ` +
        `${backend.peak.inFlight} requests in flight, sent in ${Math.round(sentMs)} ms, ` +
        `all delivered in ${Math.round(doneMs)} ms`,
    );
    expect(violations, `seed ${seed}`).toEqual([]);
    expect(counts.size).toBe(KEYS.length * EVENTS);
    expect(backend.peak.keysInFlight).toBeGreaterThanOrEqual(5);
    // Never two requests of one key in flight at once.
    expect(backend.peak.inFlight).toBe(backend.peak.keysInFlight);
    for (const count of perProcess) expect(count).toBeGreaterThan(0);
    expect(perProcess[0]! + perProcess[1]!).toBeGreaterThanOrEqual(KEYS.length * EVENTS);
  }, 60_000);
});

/**
 * For each event, its first request and its first 2xx answer, the rest left out: at-least-once
 * lets a worker that died between its release and BullMQ's record re-send an event after the
 * events behind it went (docs/ordering.md), so the order is judged on first sends.
 */
function firstSends(hits: readonly OrderedHit[]): OrderedHit[] {
  const first = new Set<string>();
  const firstOk = new Set<string>();
  return hits.filter((hit) => {
    const event = eventOf(hit);
    const keep = !first.has(event) || (isOk(hit) && !firstOk.has(event));
    first.add(event);
    if (isOk(hit)) firstOk.add(event);
    return keep;
  });
}

describe('orderBy when the worker holding the keys is SIGKILLed', () => {
  const KEYS = Array.from({ length: 10 }, (_, i) => `key-${i}`);
  const EVENTS = 10;
  let backend: OrderingBackend;
  let relay: Relay;
  let workers: WorkerProcesses;

  beforeAll(async () => {
    backend = await startOrderingBackend(() => ({ status: 200, delayMs: 150 }));
    relay = await startRelay({ workers: false, yaml: sourcesYaml(backend) });
    workers = new WorkerProcesses(relay, 'concurrency: 50, lockDuration: 2s', sourcesYaml(backend));
  });
  afterAll(async () => {
    await workers?.close();
    await relay?.close();
    await backend?.close();
  });

  it('retries the heads it held first, and every key reaches its last event', async () => {
    await sendRounds(relay, KEYS, EVENTS);
    const first = await workers.start();
    const okOf = (key: string) => backend.hits.filter((hit) => hit.key === key && isOk(hit));
    const inFlight = () => backend.hits.filter((hit) => hit.answeredAt === undefined);
    // The kill comes while every key's head is in flight and was sent 20 ms ago or more: its
    // predecessor's release and completion are behind it, the worker waits on the backend alone.
    const headsInFlight = () => {
      const now = performance.now();
      return KEYS.every(
        (key) =>
          okOf(key).length >= 2 &&
          inFlight().some((hit) => hit.key === key && now - hit.arrivedAt >= 20),
      );
    };
    await waitFor(headsInFlight, {
      timeoutMs: 15_000,
      intervalMs: 5,
      what: 'two events of each key delivered and a head of every key in flight',
    });
    // Same tick as the check and the kill: the requests in flight now are the ones the dying
    // worker never hears answered (the backend still answers them, to a closed connection).
    const orphans = new Set(inFlight());
    const killedAt = performance.now();
    first.child.kill('SIGKILL');
    await first.exited;
    const deliveredAtKill = new Map(KEYS.map((key) => [key, okOf(key).length]));
    // One head per key, nothing behind any of them.
    expect([...orphans].map((hit) => hit.key).sort()).toEqual([...KEYS].sort());
    for (const count of deliveredAtKill.values()) expect(count).toBeLessThan(EVENTS);

    const restartedAt = performance.now();
    await workers.start();
    /** The hits as the workers heard them: an orphan's answer never reached one. */
    const heard = () =>
      backend.hits.map((hit) =>
        orphans.has(hit) ? { ...hit, status: undefined, answeredAt: undefined } : hit,
      );
    await waitFor(() => undelivered(heard(), KEYS, EVENTS).length === 0, {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'every event delivered within 20 s of the restart',
    }).catch((error: unknown) => {
      const left = undelivered(heard(), KEYS, EVENTS);
      throw new Error(`${String(error)}; left: ${left.join(' ')}`);
    });
    const recoveryMs = performance.now() - restartedAt;

    const hits = heard();
    const counts = okCounts(hits);
    /** Events delivered twice as the workers heard it (not counting the orphans' lost answers). */
    const duplicates = [...counts.entries()].filter(([, count]) => count > 1).map(([e]) => e);
    const resent = [...orphans].map((orphan) =>
      hits.find((hit) => hit.id === orphan.id && hit.arrivedAt > killedAt && isOk(hit)),
    );
    const firstResentMs = Math.min(
      ...resent.map((hit) => (hit?.arrivedAt ?? Infinity) - restartedAt),
    );
    const strict = orderViolations(hits);
    console.log(
      `ordering-processes[SIGKILL]: killed with ${orphans.size} heads in flight ` +
        `(${[...orphans].map(eventOf).join(' ')}), delivered per key at the kill ` +
        `${[...deliveredAtKill.values()].join(',')}; ${resent.filter(Boolean).length} of them ` +
        `re-sent after the restart (first ${Math.round(firstResentMs)} ms after it); every key ` +
        `done ${Math.round(recoveryMs)} ms after the restart; ${backend.hits.length} requests for ` +
        `${KEYS.length * EVENTS} events; ${duplicates.length} other events answered 2xx more than ` +
        `once (${duplicates.join(' ')}); order violations counting every re-send: ${strict.length}` +
        (strict.length ? ` (${strict.join('; ')})` : ''),
    );
    // Every head the dead worker held was sent again after the restart, and before anything
    // behind it: its key's next event first arrived after the re-send was answered 2xx.
    expect(resent.every(Boolean)).toBe(true);
    expect(orderViolations(firstSends(hits))).toEqual([]);
    for (const key of KEYS) expect(Math.max(...okOf(key).map((hit) => hit.n))).toBe(EVENTS);
    expect(counts.size).toBe(KEYS.length * EVENTS);
  }, 60_000);
});

describe('orderBy with a scheduled head (event.delayUntil)', () => {
  let backend: OrderingBackend;
  let relay: Relay;
  let workers: WorkerProcesses;

  beforeAll(async () => {
    backend = await startOrderingBackend(() => ({ status: 200 }));
    const sources = sourcesYaml(backend, '\n    event: { delayUntil: body.at }');
    relay = await startRelay({ workers: false, yaml: sources });
    workers = new WorkerProcesses(relay, 'concurrency: 10, lockDuration: 5s', sources);
  });
  afterAll(async () => {
    await workers?.close();
    await relay?.close();
    await backend?.close();
  });

  it('holds its key until its time; other keys flow', async () => {
    await workers.start();
    const at = Date.now() + 2_000;
    await send(relay, { key: 'A', n: 1, at: new Date(at).toISOString() });
    await send(relay, { key: 'A', n: 2 });
    await send(relay, { key: 'B', n: 1 });
    await send(relay, { key: 'B', n: 2 });
    const okHit = (key: string, n: number) =>
      backend.hits.find((hit) => hit.key === key && hit.n === n && isOk(hit));
    await waitFor(() => okHit('A', 2), { timeoutMs: 10_000, what: 'A#2 delivered' });
    const wallClock = (hit: OrderedHit) => performance.timeOrigin + hit.arrivedAt;
    const a1 = okHit('A', 1)!;
    const a2 = backend.hits.find((hit) => hit.key === 'A' && hit.n === 2)!;
    const b2 = okHit('B', 2)!;
    console.log(
      `ordering-processes[delayUntil]: A#1 sent ${Math.round(wallClock(a1) - at)} ms after its ` +
        `time, A#2 ${Math.round(a2.arrivedAt - a1.answeredAt!)} ms after A#1 was answered, ` +
        `B#2 ${Math.round(at - wallClock(b2))} ms before A's time`,
    );
    expect(wallClock(a1)).toBeGreaterThanOrEqual(at - 50);
    expect(a2.arrivedAt).toBeGreaterThanOrEqual(a1.answeredAt!);
    // B went at once, long before A's time.
    expect(wallClock(b2)).toBeLessThan(at - 1_000);
    expect(orderViolations(backend.hits)).toEqual([]);
    expect(backend.hits.map(eventOf).sort()).toEqual(['A#1', 'A#2', 'B#1', 'B#2']);
  }, 30_000);
});
