import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer as createHttpServer, request } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDemoBackend } from '@hookrelay/demo-backend';
import { deliveryQueueName } from '@hookrelay/queue';
import {
  freePort,
  listen,
  startTestRedis,
  waitFor,
  type Listening,
  type TestRedis,
} from '@hookrelay/testing';
import { appEntry, runNode, type AppRun } from './app-process.js';

/*
 * Stopping the apps (docs/contract.md §2, §8): SIGTERM to an ingress under load, to a worker with
 * deliveries in flight, and to a worker whose Redis is gone. Each app runs as its own process, built
 * (`npm run build`), as `npm start -w apps/<name>` runs it.
 */

const SECRET = 'shutdown-payment-secret';

function yamlFor(prefix: string, backendUrl: string, worker = ''): string {
  return `redis: { url: \${REDIS_URL}, prefix: ${prefix} }
ingress: { host: 127.0.0.1, port: \${PORT} }
worker: { host: 127.0.0.1, port: \${WORKER_PORT}${worker} }
sources:
  payment:
    verify: { type: hmac, header: x-signature, secret: ${SECRET} }
    event: { id: body.transaction_id }
    destination: { url: "${backendUrl}/webhooks/payment" }
    retry: { attempts: 5, backoff: fixed, delay: 200ms }
`;
}

interface TimedLine {
  readonly at: number;
  readonly line: string;
  readonly stderr: boolean;
}

interface App {
  readonly run: AppRun;
  readonly url: string;
  /** Every line with the time it arrived here (stderr lines carry no timestamp of their own). */
  readonly timed: TimedLine[];
  exitedAt?: number;
}

const dirs: string[] = [];
const apps: App[] = [];
const redises: TestRedis[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) {
    if (app.run.child.exitCode === null && app.run.child.signalCode === null) {
      app.run.child.kill('SIGKILL');
      await app.run.exited;
    }
  }
  for (const redis of redises.splice(0)) await redis.cleanup();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function newRedis(): Promise<TestRedis> {
  const redis = await startTestRedis();
  redises.push(redis);
  return redis;
}

function configFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-shutdown-'));
  dirs.push(dir);
  const file = join(dir, 'hookrelay.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Starts a built app on its own port and waits until its /readyz answers 200. */
async function startApp(
  name: 'ingress' | 'worker',
  config: string,
  redis: TestRedis,
): Promise<App> {
  const port = await freePort();
  const run = runNode(appEntry(name), {
    ...process.env,
    HOOKRELAY_CONFIG: config,
    REDIS_URL: redis.url,
    PORT: String(name === 'ingress' ? port : await freePort()),
    WORKER_PORT: String(name === 'worker' ? port : await freePort()),
  });
  const timed: TimedLine[] = [];
  createInterface({ input: run.child.stdout! }).on('line', (line) =>
    timed.push({ at: Date.now(), line, stderr: false }),
  );
  createInterface({ input: run.child.stderr! }).on('line', (line) =>
    timed.push({ at: Date.now(), line, stderr: true }),
  );
  const app: App = { run, url: `http://127.0.0.1:${port}`, timed };
  void run.exited.then(() => (app.exitedAt = Date.now()));
  apps.push(app);
  await waitFor(async () => (await fetch(`${app.url}/readyz`)).ok, {
    timeoutMs: 20_000,
    what: `the ${name} ready`,
  });
  return app;
}

/** SIGTERM, then the exit code (`running` if it has not exited within `withinMs`) and how long it took. */
async function terminate(app: App, withinMs: number) {
  const sent = Date.now();
  app.run.child.kill('SIGTERM');
  const code = await Promise.race([
    app.run.exited,
    new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), withinMs)),
  ]);
  return { code, afterMs: (app.exitedAt ?? Date.now()) - sent, sent };
}

const messages = (app: App, message: string) =>
  app.run.lines.filter((line) => line.includes(`"message":"${message}"`));

function signedPayment(transactionId: string): { body: string; signature: string } {
  const body = JSON.stringify({ transaction_id: transactionId, event: 'payment.succeeded' });
  return { body, signature: createHmac('sha256', SECRET).update(body).digest('hex') };
}

/** The delivery queue's job counts, read over a connection of its own. */
async function jobCounts(redis: TestRedis, prefix: string) {
  const queue = new Queue(deliveryQueueName('payment', 'default'), {
    connection: { host: '127.0.0.1', port: redis.server.options.port, maxRetriesPerRequest: null },
    prefix,
  });
  queue.on('error', () => undefined);
  try {
    return await queue.getJobCounts(
      'completed',
      'active',
      'waiting',
      'delayed',
      'failed',
      'prioritized',
    );
  } finally {
    await queue.close();
  }
}

// ---------------------------------------------------------------------------------------------

type Outcome =
  | { readonly kind: 'accepted'; readonly id: string; readonly at: number }
  | { readonly kind: 'status'; readonly status: number; readonly body: string; readonly at: number }
  | { readonly kind: 'refused' | 'closed' | 'hung'; readonly error: string; readonly at: number };

/** One signed webhook; never takes longer than `deadlineMs` (then it is `hung`). */
function sendPayment(
  url: string,
  transactionId: string,
  agent: Agent | false,
  deadlineMs: number,
): Promise<Outcome> {
  const { body, signature } = signedPayment(transactionId);
  return new Promise((resolve) => {
    let done = false;
    const settle = (outcome: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = request(
      `${url}/webhooks/payment`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-signature': signature,
          ...(agent === false ? { connection: 'close' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) =>
          settle({ kind: 'closed', error: error.code ?? error.message, at: Date.now() }),
        );
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode === 202)
            settle({
              kind: 'accepted',
              id: (JSON.parse(text) as { id: string }).id,
              at: Date.now(),
            });
          else settle({ kind: 'status', status: res.statusCode ?? 0, body: text, at: Date.now() });
        });
      },
    );
    const timer = setTimeout(() => {
      settle({ kind: 'hung', error: `no answer within ${deadlineMs} ms`, at: Date.now() });
      req.destroy();
    }, deadlineMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      settle({ kind: code === 'ECONNREFUSED' ? 'refused' : 'closed', error: code, at: Date.now() });
    });
    req.end(body);
  });
}

describe('SIGTERM to an ingress under load', () => {
  const LANES = 50;
  const REQUEST_DEADLINE_MS = 5_000;

  it(`answers each of ${LANES} concurrent streams 202 or closes/refuses it, never hangs, exits 0, and every 202 is delivered`, async () => {
    const redis = await newRedis();
    const demo = createDemoBackend();
    const backend: Listening = await listen(demo.app);
    try {
      const config = configFile(yamlFor('shutdown1', backend.url, ', concurrency: 50'));
      const ingress = await startApp('ingress', config, redis);
      const worker = await startApp('worker', config, redis);

      // Half the streams reuse keep-alive connections (as a proxy in front of the ingress does),
      // half open a connection per request.
      const keepAlive = new Agent({ keepAlive: true, maxSockets: LANES });
      const outcomes: Outcome[] = [];
      let stopped = false;
      let sequence = 0;
      const lane = async (index: number) => {
        const agent = index % 2 === 0 ? keepAlive : false;
        for (;;) {
          const outcome = await sendPayment(
            ingress.url,
            `TX-${index}-${++sequence}`,
            agent,
            REQUEST_DEADLINE_MS,
          );
          outcomes.push(outcome);
          // Once the ingress is gone, a refusal ends the stream; until then it keeps sending (a
          // refused one a little later, as a provider retries).
          if (stopped || (outcome.kind === 'refused' && ingress.exitedAt !== undefined)) return;
          if (outcome.kind !== 'accepted') await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const lanes = Array.from({ length: LANES }, (_, i) => lane(i));

      await waitFor(() => outcomes.filter((o) => o.kind === 'accepted').length >= 300, {
        timeoutMs: 20_000,
        what: '300 webhooks accepted before SIGTERM',
      });
      const { code, afterMs, sent } = await terminate(ingress, 40_000);
      // Let the streams see the port closed, then stop them.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      stopped = true;
      await Promise.all(lanes);
      keepAlive.destroy();

      const accepted = outcomes.filter((o) => o.kind === 'accepted');
      const tally = new Map<string, number>();
      for (const o of outcomes) {
        const key =
          o.kind === 'status'
            ? `status ${o.status}`
            : o.kind === 'accepted'
              ? '202'
              : `${o.kind} ${o.error}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
      const afterSignal = outcomes.filter((o) => o.at >= sent);
      console.log(
        `ingress SIGTERM under ${LANES} streams: exit ${String(code)} after ${afterMs} ms; ` +
          `${outcomes.length} requests: ${[...tally].map(([k, n]) => `${k}: ${n}`).join(', ')}; ` +
          `answered after SIGTERM: ${afterSignal.filter((o) => o.kind === 'accepted').length} × 202, ` +
          `${afterSignal.filter((o) => o.kind !== 'accepted').length} refused or closed`,
      );

      expect(outcomes.filter((o) => o.kind === 'hung' || o.kind === 'status')).toEqual([]);
      expect(code).toBe(0);
      expect(afterMs).toBeLessThan(10_000);
      expect(messages(ingress, 'stopped')).toHaveLength(1);

      // Every 202 is delivered: the worker, still running, drains what the ingress acknowledged.
      const ids = new Set(accepted.map((o) => (o as { id: string }).id));
      await waitFor(
        () => {
          const delivered = new Set(demo.store.list().map((d) => d.headers['x-hookrelay-id']));
          return [...ids].every((id) => delivered.has(id));
        },
        { timeoutMs: 30_000, intervalMs: 200, what: `all ${ids.size} accepted webhooks delivered` },
      );
      const workerStop = await terminate(worker, 15_000);
      expect(workerStop.code).toBe(0);
    } finally {
      await backend.close();
    }
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------

interface Hit {
  readonly id: string;
  readonly at: number;
  /** The answer was sent in full (`finish`), or the connection closed first. */
  answered?: boolean;
  closedAt?: number;
}

/** A backend that answers 200 after `delayMs`, recording when each delivery arrived and whether its answer went out in full. */
async function slowBackend(delayMs: number) {
  const hits: Hit[] = [];
  const server = createHttpServer((req, res) => {
    req.resume();
    const hit: Hit = {
      id: String(req.headers['x-hookrelay-id']),
      at: Date.now(),
    };
    hits.push(hit);
    const timer = setTimeout(() => res.end('{"ok":true}'), delayMs);
    res.on('finish', () => (hit.answered = true));
    res.on('close', () => {
      clearTimeout(timer);
      hit.closedAt = Date.now();
      hit.answered ??= false;
    });
  });
  const listening = await listen(server);
  return { hits, url: listening.url, close: () => listening.close() };
}

async function postAll(ingressUrl: string, count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const outcome = await sendPayment(ingressUrl, `${tag}-${i}`, false, 5_000);
    if (outcome.kind !== 'accepted') throw new Error(`webhook ${i}: ${JSON.stringify(outcome)}`);
    ids.push(outcome.id);
  }
  return ids;
}

describe('SIGTERM to a worker with deliveries in flight', () => {
  const EVENTS = 20;
  const SHUTDOWN_TIMEOUT_MS = 8_000;

  it('lets them finish (answered, completed, never delivered again after a restart) and exits 0 within shutdownTimeout', async () => {
    const redis = await newRedis();
    const backend = await slowBackend(1_000);
    try {
      const config = configFile(
        yamlFor(
          'shutdown2',
          backend.url,
          `, concurrency: 50, lockDuration: 3s, shutdownTimeout: ${SHUTDOWN_TIMEOUT_MS}ms`,
        ),
      );
      const ingress = await startApp('ingress', config, redis);
      const ids = await postAll(ingress.url, EVENTS, 'TX-INFLIGHT');

      const worker = await startApp('worker', config, redis);
      await waitFor(() => backend.hits.length === EVENTS, {
        what: `${EVENTS} deliveries in flight`,
      });
      expect(backend.hits.every((hit) => hit.answered === undefined)).toBe(true);

      const { code, afterMs } = await terminate(worker, SHUTDOWN_TIMEOUT_MS + 2_000);
      console.log(
        `worker SIGTERM with ${EVENTS} deliveries in flight (backend answering after 1 s): exit ${String(code)} after ${afterMs} ms`,
      );
      expect(code).toBe(0);
      expect(afterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect(messages(worker, 'shutdown timed out')).toEqual([]);
      // Each delivery was answered in full, none cut off.
      expect(backend.hits.map((hit) => hit.answered)).toEqual(ids.map(() => true));
      expect(new Set(backend.hits.map((hit) => hit.id))).toEqual(new Set(ids));
      expect(await jobCounts(redis, 'shutdown2')).toEqual({
        completed: EVENTS,
        active: 0,
        waiting: 0,
        delayed: 0,
        failed: 0,
        prioritized: 0,
      });

      // A new worker, past the lock duration and a stalled-job check: nothing is delivered again.
      const second = await startApp('worker', config, redis);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(backend.hits).toHaveLength(EVENTS);
      expect((await terminate(second, SHUTDOWN_TIMEOUT_MS + 2_000)).code).toBe(0);
      await terminate(ingress, 10_000);
    } finally {
      await backend.close();
    }
  }, 90_000);
});

// ---------------------------------------------------------------------------------------------

/** A TCP server that accepts and hangs up at once, as a proxy in front of a stopped Redis does. */
async function hangUpOn(port: number) {
  let attempts = 0;
  const server: TcpServer = createTcpServer((socket) => {
    attempts += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Lines about Redis (its outage, the queue's or the workers' connection errors), and every stderr line. */
const aboutRedis = (line: TimedLine) =>
  line.stderr || /redis|ECONN|connection|queue error|worker error|ETIMEDOUT|EPIPE/i.test(line.line);

/** The most lines about Redis within any one second of [from, to), and all of them. */
function redisLinesPerSecond(app: App, from: number, to: number) {
  const lines = app.timed.filter((l) => l.at >= from && l.at < to && aboutRedis(l));
  let most = 0;
  for (const line of lines) {
    const within = lines.filter(
      (other) => other.at >= line.at && other.at < line.at + 1_000,
    ).length;
    most = Math.max(most, within);
  }
  return { most, lines };
}

describe('a worker whose Redis is gone', () => {
  const SHUTDOWN_TIMEOUT_MS = 5_000;
  const AWAY_MS = 5_000;

  it.each([
    ['nothing in flight', 0],
    ['a delivery in flight', 1],
  ] as const)(
    'with %s: logs about Redis at most once a second while it is away and while it stops, and exits within shutdownTimeout',
    async (_case, inFlight) => {
      const redis = await newRedis();
      const redisPort = redis.server.options.port;
      // The in-flight delivery is answered once Redis is gone.
      const backend = await slowBackend(2_000);
      try {
        const config = configFile(
          yamlFor(
            `shutdown3-${inFlight}`,
            backend.url,
            `, lockDuration: 3s, shutdownTimeout: ${SHUTDOWN_TIMEOUT_MS}ms`,
          ),
        );
        const ingress = await startApp('ingress', config, redis);
        const ids = inFlight ? await postAll(ingress.url, 1, 'TX-AWAY') : [];
        await terminate(ingress, 10_000);
        const worker = await startApp('worker', config, redis);
        if (inFlight)
          await waitFor(() => backend.hits.length === 1, { what: 'a delivery in flight' });

        // Redis goes away: refused for half the time, then accepted and hung up on.
        const from = Date.now();
        await redis.server.stop();
        await new Promise((resolve) => setTimeout(resolve, AWAY_MS / 2));
        const hangUp = await hangUpOn(redisPort);
        await new Promise((resolve) => setTimeout(resolve, AWAY_MS / 2));
        const away = redisLinesPerSecond(worker, from, Date.now());

        const stop = await terminate(worker, SHUTDOWN_TIMEOUT_MS + 3_000);
        const stopping = redisLinesPerSecond(worker, stop.sent, Date.now());
        const reconnects = hangUp.attempts();
        await hangUp.close();
        console.log(
          `worker, Redis away ${AWAY_MS} ms with ${_case}: ${away.lines.length} lines about Redis ` +
            `(at most ${away.most} in a second) while ${reconnects} reconnect attempts were hung up on; ` +
            `SIGTERM: exit ${String(stop.code)} after ${stop.afterMs} ms, ${stopping.lines.length} lines about Redis meanwhile` +
            (away.lines.length + stopping.lines.length
              ? `\n  ${[...away.lines, ...stopping.lines].map((l) => `+${l.at - from} ms ${l.line.slice(0, 200)}`).join('\n  ')}`
              : ''),
        );

        expect(reconnects).toBeGreaterThan(2);
        expect(away.most).toBeLessThanOrEqual(1);
        expect(stopping.most).toBeLessThanOrEqual(1);
        expect(messages(worker, 'redis unavailable')).toHaveLength(1);
        expect(worker.run.stderr).toEqual([]);
        expect(stop.code).not.toBe('running');
        expect(stop.afterMs).toBeLessThanOrEqual(SHUTDOWN_TIMEOUT_MS + 1_000);
        if (!inFlight) expect(stop.code).toBe(0);
        // With a delivery that cannot be recorded (Redis is gone), the worker waits for it until
        // shutdownTimeout and says so.
        else if (stop.code !== 0) expect(messages(worker, 'shutdown timed out')).toHaveLength(1);

        if (inFlight) {
          // Nothing is lost: with Redis back, a new worker delivers the event again.
          await redis.server.start();
          const again = await startApp('worker', config, redis);
          await waitFor(() => backend.hits.filter((hit) => hit.id === ids[0]).length >= 2, {
            timeoutMs: 20_000,
            what: 'the interrupted delivery made again',
          });
          await waitFor(
            async () => (await jobCounts(redis, `shutdown3-${inFlight}`)).completed === 1,
            { what: 'the event completed' },
          );
          expect((await terminate(again, SHUTDOWN_TIMEOUT_MS + 2_000)).code).toBe(0);
        }
      } finally {
        await backend.close();
      }
    },
    90_000,
  );
});
