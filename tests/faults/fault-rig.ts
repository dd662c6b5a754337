import { EventEmitter } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Queue, QueueEvents } from 'bullmq';
import Stripe from 'stripe';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { createRedis, deliveryQueueName, type RedisClient } from '@hookrelay/queue';
import { freePort, waitFor } from '@hookrelay/testing';
import { verifyPlugin } from '@hookrelay/verifiers';
import { appEntry } from '../e2e/app-process.js';
import { parsePrometheus, type Sample } from '../e2e/prometheus-text.js';
import { startRigRedis, type RedisChoice, type RigRedis } from './rig-redis.js';

/*
 * The fault rig (npm run test:faults, tests/e2e/faults-short.test.ts): real processes on loopback —
 * a durable redis-server (AOF, appendfsync always) that can be SIGKILLed, SIGSTOPped and started
 * again on its own data, or a Sentinel or Cluster topology of them (rig-redis.ts), the built ingress
 * and worker(s), a recording backend on node:http — and a
 * paced stream of Stripe-signed events sent like a provider sends them. At the end, a
 * reconciliation: every request answered 2xx is at the backend or in the dead-letter queue.
 */

export type Scale = 'short' | 'full';

export interface ScenarioOptions {
  readonly scale: Scale;
}

/** One promise a scenario checks (docs/contract.md §8), kept or broken. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** One row of the table: what was sent, what became of it, and the promises checked. */
export interface ScenarioRow {
  readonly scenario: string;
  /** Provider events sent (each once, then retried like a provider on 503 and timeouts). */
  readonly sent: number;
  /** Events answered 2xx (202, or 200 for a provider retry of a write Redis had applied). */
  readonly acknowledged: number;
  /** Distinct hookrelay ids the backend answered 2xx. */
  readonly delivered: number;
  /** 2xx deliveries beyond the first, per hookrelay id. */
  readonly duplicates: number;
  readonly deadLettered: number;
  /** Acknowledged, neither at the backend nor in the dead-letter queue. */
  readonly lost: number;
  /** Requests answered 503. */
  readonly refused: number;
  /** The longest span from a 503 to the next 2xx, ms. */
  readonly longestRefusalMs: number;
  /** The scenario's time to recover, ms (see each scenario). */
  readonly recoveryMs?: number;
  readonly checks: readonly Check[];
  /** More lines for the report: where duplicates came from, per fault timings. */
  readonly details: readonly string[];
}

export const SOURCE = 'stripe';
export const DESTINATION = 'default';
const STRIPE_SECRET = 'whsec_fault_rig_stripe_secret';
/** The key prefix on a single redis-server (Sentinel and Cluster: see rig-redis.ts). */
const SINGLE_PREFIX = 'faults';
const FIXTURE = JSON.parse(
  readFileSync(
    new URL('../fixtures/stripe/payment_intent.succeeded.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;

export const isAck = (status: number) => status >= 200 && status < 300;

// --- The recording backend -------------------------------------------------------------------------

export type BackendMode = 'healthy' | 'down' | 'slow';

/** One request the backend received. */
export interface Arrival {
  /** X-Hookrelay-Id. */
  readonly id: string;
  /** The provider's event id, from the body. */
  readonly providerId: string | undefined;
  readonly attempt: number;
  readonly at: number;
  /**
   * 2xx answered on a connection still open: the backend did its work and said so. A request whose
   * connection closed first (the worker timed out, or died) was not processed.
   */
  delivered: boolean;
  answeredAt?: number;
}

/**
 * A backend on node:http that records every request and can be switched down (it stops listening
 * and drops its connections: connection refused), slow (answers 200 after `slowMs`, beyond the
 * worker's `timeout`) and healthy (answers 200 after `latencyMs`).
 */
export class RecordingBackend {
  readonly arrivals: Arrival[] = [];
  private readonly byId = new Map<string, Arrival[]>();
  private readonly events = new EventEmitter();
  private modeNow: BackendMode = 'healthy';
  /** Healthy answers wait this long (deliveries in flight when a worker dies). */
  latencyMs = 0;
  /** Slow answers wait this long. */
  slowMs = 3_000;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    this.events.setMaxListeners(0);
  }

  static async start(): Promise<RecordingBackend> {
    const port = await freePort();
    const server = createServer();
    server.keepAliveTimeout = 60_000;
    const backend = new RecordingBackend(server, port);
    server.on('request', (req, res) => backend.handle(req, res));
    await backend.listen();
    return backend;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get mode(): BackendMode {
    return this.modeNow;
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Switches mode; `down` closes the port and every connection, leaving `down` opens it again. */
  async setMode(mode: BackendMode): Promise<void> {
    const was = this.modeNow;
    this.modeNow = mode;
    if (mode === 'down' && was !== 'down') {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      await closed;
    } else if (mode !== 'down' && was === 'down') {
      await this.listen();
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let providerId: string | undefined;
      try {
        providerId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string }).id;
      } catch {
        providerId = undefined;
      }
      const arrival: Arrival = {
        id: String(req.headers['x-hookrelay-id']),
        providerId,
        attempt: Number(req.headers['x-hookrelay-attempt']),
        at: Date.now(),
        delivered: false,
      };
      this.arrivals.push(arrival);
      const list = this.byId.get(arrival.id) ?? [];
      list.push(arrival);
      this.byId.set(arrival.id, list);
      this.events.emit('arrival', arrival);
      const answer = () => {
        if (res.destroyed || req.socket.destroyed) return;
        arrival.delivered = true;
        arrival.answeredAt = Date.now();
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      };
      const wait = this.modeNow === 'slow' ? this.slowMs : this.latencyMs;
      if (wait > 0) setTimeout(answer, wait);
      else answer();
    });
  }

  /** Every request for hookrelay id `id`, in order. */
  requestsFor(id: string): readonly Arrival[] {
    return this.byId.get(id) ?? [];
  }

  /** When a request for `id` first arrived after `after`; undefined when none within `timeoutMs`. */
  arrivalAfter(id: string, after: number, timeoutMs: number): Promise<number | undefined> {
    const seen = this.requestsFor(id).find((arrival) => arrival.at >= after);
    if (seen) return Promise.resolve(seen.at);
    return new Promise((resolve) => {
      const listener = (arrival: Arrival) => {
        if (arrival.id !== id || arrival.at < after) return;
        done(arrival.at);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (at: number | undefined) => {
        clearTimeout(timer);
        this.events.off('arrival', listener);
        resolve(at);
      };
      this.events.on('arrival', listener);
    });
  }

  /** The first request to arrive after `after` (any id); undefined when none within `timeoutMs`. */
  anyArrivalAfter(
    after: number,
    timeoutMs: number,
    where: (arrival: Arrival) => boolean = () => true,
  ): Promise<number | undefined> {
    const seen = this.arrivals.find((arrival) => arrival.at >= after && where(arrival));
    if (seen) return Promise.resolve(seen.at);
    return new Promise((resolve) => {
      const listener = (arrival: Arrival) => {
        if (arrival.at >= after && where(arrival)) done(arrival.at);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (at: number | undefined) => {
        clearTimeout(timer);
        this.events.off('arrival', listener);
        resolve(at);
      };
      this.events.on('arrival', listener);
    });
  }

  /** Hookrelay ids answered 2xx, with how many times. */
  deliveredCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const arrival of this.arrivals)
      if (arrival.delivered) counts.set(arrival.id, (counts.get(arrival.id) ?? 0) + 1);
    return counts;
  }

  async close(): Promise<void> {
    if (this.modeNow === 'down') return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

// --- The provider: a paced stream of signed events, retried like a provider ------------------------

export type AttemptStatus = number | 'timeout' | 'error';

export interface SendAttempt {
  /** Its X-Request-Id: `<provider id>.<attempt>`, found again in the ingress's log lines. */
  readonly requestId: string;
  readonly sentAt: number;
  answeredAt: number;
  status: AttemptStatus;
  /** The hookrelay id in a 2xx answer. */
  id?: string;
}

export interface SentEvent {
  readonly index: number;
  readonly providerId: string;
  readonly body: string;
  readonly attempts: SendAttempt[];
  /** The hookrelay id of the 2xx answer (a retry's duplicate answer names the first write's id). */
  ackedId?: string;
  ackStatus?: number;
  /** Settled: acknowledged, refused for good (4xx), or out of attempts. */
  done: boolean;
}

export interface SenderOptions {
  readonly url: string;
  readonly count: number;
  readonly ratePerSecond: number;
  /** Attempts per event in all, first included (a provider's retries are bounded). */
  readonly maxAttempts?: number;
  /** A retry waits Retry-After (the ingress says 5 s) but at most this long. */
  readonly retryDelayCapMs?: number;
  /** A request with no answer after this long is abandoned (and counted as a hang). */
  readonly requestTimeoutMs?: number;
  /** Requests open at once at most: the stream slows rather than piling up. */
  readonly maxInFlight?: number;
  readonly idPrefix: string;
}

/** A fresh copy of the Stripe fixture with its own provider event id. */
export const stripeEventBody = (providerId: string) =>
  JSON.stringify({ ...FIXTURE, id: providerId });

export function signedHeaders(body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'stripe-signature': Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: STRIPE_SECRET,
      timestamp: Math.floor(Date.now() / 1000),
    }),
  };
}

/**
 * Sends `count` events at `ratePerSecond`, each a fresh copy of the fixture with its own provider id.
 * Like a provider: a 503, a 5xx, a timeout or a connection error is retried later with the same body
 * and id (signed again, with a fresh timestamp, as Stripe does), up to `maxAttempts`.
 */
export class Sender {
  readonly events: SentEvent[] = [];
  private readonly agent: Agent;
  private readonly options: Required<SenderOptions>;
  private readonly emitter = new EventEmitter();
  private readonly lag = monitorEventLoopDelay({ resolution: 10 });
  private readonly retries: { at: number; event: SentEvent }[] = [];
  /** Hookrelay id → the request acknowledged with it. */
  private readonly acks = new Map<string, SendAttempt>();
  private nextIndex = 0;
  private inFlight = 0;
  private startedAt = 0;
  private settled = 0;

  constructor(options: SenderOptions) {
    this.options = {
      maxAttempts: 30,
      retryDelayCapMs: 5_000,
      requestTimeoutMs: 5_000,
      maxInFlight: 400,
      ...options,
    };
    this.agent = new Agent({ keepAlive: true, maxSockets: this.options.maxInFlight });
    this.emitter.setMaxListeners(0);
  }

  /** Events whose first request has left. */
  get sent(): number {
    return this.nextIndex;
  }

  /** Resolves once the `n`-th event's first request has left (faults are placed in the stream so). */
  reached(n: number): Promise<void> {
    if (this.nextIndex >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = () => {
        if (this.nextIndex < n) return;
        this.emitter.off('sent', listener);
        resolve();
      };
      this.emitter.on('sent', listener);
    });
  }

  /** The request acknowledged with hookrelay id `id`, if any yet. */
  ackOf(id: string): SendAttempt | undefined {
    return this.acks.get(id);
  }

  /**
   * When the first 2xx answered after `after` came; undefined when none within `timeoutMs`. With
   * `sentAfter`, only requests sent after `after` count: one in flight at a fault may be answered
   * 2xx just after it, its write having been made before it.
   */
  ackAfter(
    after: number,
    timeoutMs: number,
    { sentAfter = false }: { sentAfter?: boolean } = {},
  ): Promise<number | undefined> {
    const counts = (attempt: SendAttempt) =>
      typeof attempt.status === 'number' &&
      isAck(attempt.status) &&
      attempt.answeredAt >= after &&
      (!sentAfter || attempt.sentAt >= after);
    const first = () => {
      let best: number | undefined;
      for (const event of this.events)
        for (const attempt of event.attempts)
          if (counts(attempt) && (best === undefined || attempt.answeredAt < best))
            best = attempt.answeredAt;
      return best;
    };
    const seen = first();
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const listener = (attempt: SendAttempt) => {
        if (counts(attempt)) done(attempt.answeredAt);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (at: number | undefined) => {
        clearTimeout(timer);
        this.emitter.off('answer', listener);
        resolve(at);
      };
      this.emitter.on('answer', listener);
    });
  }

  /** The rig's longest event loop delay while the stream ran, ms. */
  get lagMaxMs(): number {
    return Math.round(this.lag.max / 1e6);
  }

  /** Sends the whole stream; resolves when every event is settled. */
  run(): Promise<void> {
    this.startedAt = Date.now();
    this.lag.enable();
    return new Promise((resolve) => {
      const tick = () => {
        const now = Date.now();
        // Retries first: they are older than the new events.
        this.retries.sort((a, b) => a.at - b.at);
        while (
          this.retries.length &&
          this.retries[0]!.at <= now &&
          this.inFlight < this.options.maxInFlight
        )
          this.send(this.retries.shift()!.event);
        const due = Math.min(
          this.options.count,
          Math.floor(((now - this.startedAt) * this.options.ratePerSecond) / 1000) + 1,
        );
        while (this.nextIndex < due && this.inFlight < this.options.maxInFlight) {
          const index = this.nextIndex++;
          const providerId = `evt_${this.options.idPrefix}_${index}_${Math.random().toString(36).slice(2, 10)}`;
          const event: SentEvent = {
            index,
            providerId,
            body: stripeEventBody(providerId),
            attempts: [],
            done: false,
          };
          this.events.push(event);
          this.send(event);
          this.emitter.emit('sent');
        }
        if (this.settled === this.options.count) {
          this.lag.disable();
          this.agent.destroy();
          resolve();
          return;
        }
        setTimeout(tick, 5);
      };
      tick();
    });
  }

  private send(event: SentEvent): void {
    const body = event.body;
    const attempt: SendAttempt = {
      requestId: `${event.providerId}.${event.attempts.length + 1}`,
      sentAt: Date.now(),
      answeredAt: 0,
      status: 'error',
    };
    event.attempts.push(attempt);
    this.inFlight += 1;
    let finished = false;
    const finish = (status: AttemptStatus, retryAfterS?: number, id?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      this.inFlight -= 1;
      attempt.answeredAt = Date.now();
      attempt.status = status;
      attempt.id = id;
      this.emitter.emit('answer', attempt);
      if (typeof status === 'number' && isAck(status)) {
        event.ackedId = id;
        event.ackStatus = status;
        if (id !== undefined) this.acks.set(id, attempt);
        return this.settle(event);
      }
      const retryable =
        typeof status !== 'number' || status >= 500 || status === 429 || status === 408;
      if (!retryable || event.attempts.length >= this.options.maxAttempts)
        return this.settle(event);
      // Retry-After (capped), ±25 %: providers spread their retries.
      const delay =
        Math.min(this.options.retryDelayCapMs, Math.max(200, (retryAfterS ?? 1) * 1000)) *
        (0.75 + Math.random() / 2);
      this.retries.push({ at: Date.now() + delay, event });
    };
    const req = request(
      this.options.url,
      {
        method: 'POST',
        agent: this.agent,
        // X-Request-Id names the event and attempt in the ingress's log lines.
        headers: {
          ...signedHeaders(body),
          'x-request-id': attempt.requestId,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let id: string | undefined;
          if (isAck(status)) {
            try {
              id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string }).id;
            } catch {
              id = undefined;
            }
          }
          const retryAfter = Number(res.headers['retry-after']);
          finish(status, Number.isFinite(retryAfter) ? retryAfter : undefined, id);
        });
        res.on('error', () => finish('error'));
      },
    );
    const timer = setTimeout(() => {
      finish('timeout');
      req.destroy();
    }, this.options.requestTimeoutMs);
    req.on('error', () => finish('error'));
    req.end(body);
  }

  private settle(event: SentEvent): void {
    event.done = true;
    this.settled += 1;
  }

  /** Every request, in the order answered. */
  attempts(): SendAttempt[] {
    return this.events
      .flatMap((event) => event.attempts)
      .sort((a, b) => a.answeredAt - b.answeredAt);
  }
}

/** What the provider saw: refusals, their latency, the longest run of them. */
export interface RefusalStats {
  readonly requests: number;
  readonly refused: number;
  /** From a 503 to the next 2xx, the longest, ms. */
  readonly longestRefusalMs: number;
  /** The slowest 503, ms (the promise: within 1 s). */
  readonly slowestRefusalMs: number;
  readonly slowestRefusal?: SendAttempt;
  /** 503s slower than 1 s. */
  readonly refusalsOver1s: number;
  /** The slowest answer of any kind, ms. */
  readonly slowestAnswerMs: number;
  /** Requests with no answer within the sender's timeout. */
  readonly hangs: number;
  /** Requests that ended in a connection error. */
  readonly errors: number;
  /** The rig's own longest event loop delay while sending: what its timings may be off by. */
  readonly rigLagMaxMs: number;
  /** Events that ran out of attempts without a 2xx. */
  readonly gaveUp: number;
}

export function refusalStats(sender: Sender): RefusalStats {
  const attempts = sender.attempts();
  let refused = 0;
  let longest = 0;
  let runStart: number | undefined;
  let slowestRefusal = 0;
  let slowestRefusalAttempt: SendAttempt | undefined;
  let refusalsOver1s = 0;
  let slowest = 0;
  let hangs = 0;
  let errors = 0;
  for (const attempt of attempts) {
    const latency = attempt.answeredAt - attempt.sentAt;
    if (attempt.status === 'timeout') hangs += 1;
    else if (attempt.status === 'error') errors += 1;
    else slowest = Math.max(slowest, latency);
    if (attempt.status === 503) {
      refused += 1;
      if (latency >= 1_000) refusalsOver1s += 1;
      if (latency > slowestRefusal) {
        slowestRefusal = latency;
        slowestRefusalAttempt = attempt;
      }
      runStart ??= attempt.answeredAt;
      longest = Math.max(longest, attempt.answeredAt - runStart);
    } else if (typeof attempt.status === 'number' && isAck(attempt.status)) {
      if (runStart !== undefined) longest = Math.max(longest, attempt.answeredAt - runStart);
      runStart = undefined;
    }
  }
  return {
    requests: attempts.length,
    refused,
    longestRefusalMs: longest,
    slowestRefusalMs: slowestRefusal,
    slowestRefusal: slowestRefusalAttempt,
    refusalsOver1s,
    slowestAnswerMs: slowest,
    hangs,
    errors,
    gaveUp: sender.events.filter((event) => event.ackedId === undefined).length,
    rigLagMaxMs: sender.lagMaxMs,
  };
}

// --- The rig: Redis, the ingress, the worker(s), the backend -------------------------------------------

export interface RigOptions {
  readonly name: string;
  readonly workers: number;
  /** More keys of the destination, as YAML flow entries: `timeout: 2s, breaker: {cooldown: 2s}`. */
  readonly destination?: string;
  /** More keys of the source, as YAML lines indented four spaces. */
  readonly source?: string;
  /** Follow the queue's events for `stalled` (a dead worker's delivery moved back to waiting). */
  readonly watchStalls?: boolean;
  /** Which Redis: one redis-server by default, or Sentinel or Cluster, and `waitForReplicas`. */
  readonly redis?: RedisChoice;
  /**
   * `ingress.spool` (docs/spool.md): the ingress spools to `<rig dir>/spool`, at most `maxBytes`
   * (`1mb`, or bytes). The ingress then logs at info (its `spool drained` line).
   */
  readonly spool?: { readonly maxBytes: string | number };
}

export interface KillSnapshot {
  readonly worker: number;
  /** When SIGKILL was sent, and when the process was gone. */
  readonly killedAt: number;
  readonly diedAt: number;
  /** Active job id → its lock token (`<BullMQ worker id>:<n>`), read just before the kill. */
  readonly activeBefore: ReadonlyMap<string, string>;
  /**
   * …and read again once it is gone: everything it held is still there (a dead worker's
   * deliveries stay active until their locks lapse), and it took nothing more.
   */
  readonly active: ReadonlyMap<string, string>;
}

const tokenOwner = (token: string) => token.slice(0, token.lastIndexOf(':'));

/** A built app run as `npm start -w apps/<name>` runs it, its output going to a file. */
export interface AppProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Every line it printed so far (stdout and stderr). */
  lines(): string[];
}

/**
 * Output to a file, not a pipe: Node writes to a pipe synchronously, so a rig busy sending would
 * stall the app it reads from (its log lines waiting for the rig) and the timings would be the rig's.
 */
function startApp(name: 'ingress' | 'worker', env: NodeJS.ProcessEnv, logFile: string): AppProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [appEntry(name)], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    exited,
    lines: () =>
      existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [],
  };
}

/** Everything on loopback, started in order; close() stops it all and removes its files. */
export class FaultRig {
  readonly workers: (AppProcess | undefined)[] = [];
  readonly queueName = deliveryQueueName(SOURCE, DESTINATION);
  private queueHandle?: Queue;
  /** BullMQ worker ids (lock token owners) of the processes killed so far. */
  private readonly deadOwners = new Set<string>();
  private workerStarts = 0;
  private queueEvents?: QueueEvents;
  private queueEventsConnection?: RedisClient;
  /** What thaws the Redis processes freezeRedis froze (thawRedis, close). */
  private readonly thaws: (() => void)[] = [];
  /** Job id → when (Redis time) BullMQ moved it back to waiting as stalled. */
  private readonly stalls = new Map<string, number[]>();
  private readonly stallEvents = new EventEmitter();
  /** Processes killed, by name, for a report when something goes wrong. */
  private readonly exited: { readonly name: string; readonly run: AppProcess }[] = [];
  /** Every ingress process started, the rig's own and any other (close() kills those alive). */
  private readonly ingresses: AppProcess[] = [];

  private constructor(
    readonly options: RigOptions,
    readonly redis: RigRedis,
    readonly backend: RecordingBackend,
    readonly config: HookrelayConfig,
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
    readonly ingressPort: number,
    readonly inspector: RedisClient,
  ) {}

  /** The rig's ingress now (startIngress replaces it after a kill). */
  ingress!: AppProcess;

  static async start(options: RigOptions): Promise<FaultRig> {
    const redis = await startRigRedis(options.redis ?? { topology: 'single' }, SINGLE_PREFIX);
    const dir = mkdtempSync(join(tmpdir(), `hookrelay-faults-${options.name}-`));
    let backend: RecordingBackend | undefined;
    let rig: FaultRig;
    try {
      backend = await RecordingBackend.start();
      const destinationExtra = options.destination ? `, ${options.destination}` : '';
      const spool = options.spool
        ? `, spool: { dir: "${join(dir, 'spool')}", maxBytes: ${options.spool.maxBytes} }`
        : '';
      const yaml = `${redis.yaml}
ingress: { port: \${PORT}, host: 127.0.0.1${spool} }
worker: { port: \${WORKER_PORT}, host: 127.0.0.1 }
log: { level: "\${FAULTS_LOG_LEVEL:-warn}" }
sources:
  ${SOURCE}:
    path: /api/webhooks/stripe
    verify: { type: stripe, secret: "\${STRIPE_WEBHOOK_SECRET}" }
    destination: { url: "\${BACKEND_URL}/webhooks/stripe"${destinationExtra} }
${options.source ?? ''}
`;
      const file = join(dir, 'hookrelay.yaml');
      writeFileSync(file, yaml);
      const ingressPort = await freePort();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOOKRELAY_CONFIG: file,
        ...redis.env,
        BACKEND_URL: backend.url,
        STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
        PORT: String(ingressPort),
        WORKER_PORT: '1',
      };
      const config = parseConfig(yaml, env, { verify: verifyPlugin });
      const inspector = createRedis(config.redis, 'consumer', 'fault-rig');
      inspector.on('error', () => undefined);
      rig = new FaultRig(options, redis, backend, config, dir, env, ingressPort, inspector);
      rig.ingress = rig.spawnIngress();
    } catch (error) {
      // Nothing else started yet: no rig to close.
      await backend?.close();
      await redis.cleanup();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    try {
      if (options.watchStalls) await rig.watchStalls();
      await ready(`${rig.ingressUrl}/readyz`, rig.ingress);
      for (let i = 0; i < options.workers; i++) await rig.startWorker(i);
    } catch (error) {
      await rig.close();
      throw error;
    }
    return rig;
  }

  /** The key prefix the apps use (hash-tagged on Cluster). */
  get prefix(): string {
    return this.redis.prefix;
  }

  get ingressUrl(): string {
    return `http://127.0.0.1:${this.ingressPort}`;
  }

  get webhookUrl(): string {
    return `${this.ingressUrl}/api/webhooks/stripe`;
  }

  /** The ingress's spool directory (`spool` rigs). */
  get spoolDir(): string {
    return join(this.dir, 'spool');
  }

  /**
   * Starts an ingress process with the rig's config and spool directory, on `port` (the rig's own
   * by default), without waiting for it. With a spool, it logs at info (`spool drained`).
   */
  spawnIngress(port = this.ingressPort): AppProcess {
    const env: NodeJS.ProcessEnv = { ...this.env, PORT: String(port) };
    if (this.options.spool) env.FAULTS_LOG_LEVEL = process.env.FAULTS_LOG_LEVEL ?? 'info';
    const run = startApp('ingress', env, join(this.dir, `ingress-${this.ingresses.length}.log`));
    this.ingresses.push(run);
    return run;
  }

  /** SIGKILLs the rig's ingress: a crash, its spool left on disk as it was. */
  async killIngress(): Promise<void> {
    this.ingress.child.kill('SIGKILL');
    await this.ingress.exited;
    this.exited.push({ name: 'killed ingress', run: this.ingress });
  }

  /**
   * Starts the rig's ingress again (after killIngress) on the same port, config and spool, and
   * waits for /readyz 200: with a spool, `degraded` while Redis is away is 200 too.
   */
  async startIngress(): Promise<AppProcess> {
    this.ingress = this.spawnIngress();
    await ready(`${this.ingressUrl}/readyz`, this.ingress);
    return this.ingress;
  }

  /** The ingress's /metrics, parsed. */
  async ingressMetrics(): Promise<Sample[]> {
    const answer = await fetch(`${this.ingressUrl}/metrics`);
    return parsePrometheus(await answer.text());
  }

  /** Starts worker `i` (again, after a kill) and waits until it consumes. */
  async startWorker(i: number): Promise<AppProcess> {
    const port = await freePort();
    const run = startApp(
      'worker',
      { ...this.env, WORKER_PORT: String(port) },
      join(this.dir, `worker-${i}-${this.workerStarts++}.log`),
    );
    this.workers[i] = run;
    await ready(`http://127.0.0.1:${port}/readyz`, run);
    return run;
  }

  /** SIGKILLs worker `i`, having read the active deliveries and their locks just before. */
  async killWorker(i: number): Promise<KillSnapshot> {
    const run = this.workers[i];
    if (!run) throw new Error(`worker ${i} is not running`);
    const activeBefore = await this.activeLocks();
    const killedAt = Date.now();
    run.child.kill('SIGKILL');
    await run.exited;
    const diedAt = Date.now();
    const active = await this.activeLocks();
    this.exited.push({ name: 'killed worker', run });
    this.workers[i] = undefined;
    return { worker: i, killedAt, diedAt, activeBefore, active };
  }

  /**
   * The deliveries the killed worker held: active once it was gone, still active under the same
   * lock token `settleMs` later, and taken by a BullMQ worker that has taken no new job since its
   * death (a dead process takes none; the living ones keep taking the stream's new events) and
   * that no earlier kill stopped (an earlier victim's deliveries may still wait for their locks).
   */
  async heldByKilled(kill: KillSnapshot, settleMs = 1_500): Promise<string[]> {
    await sleep(Math.max(0, kill.diedAt + settleMs - Date.now()));
    const now = await this.activeLocks();
    const alive = new Set<string>();
    for (const [id, token] of now)
      if (kill.active.get(id) !== token && token) alive.add(tokenOwner(token));
    const held = [...kill.active].filter(
      ([id, token]) =>
        token &&
        now.get(id) === token &&
        !alive.has(tokenOwner(token)) &&
        !this.deadOwners.has(tokenOwner(token)),
    );
    for (const [, token] of held) this.deadOwners.add(tokenOwner(token));
    return held.map(([id]) => id);
  }

  private async watchStalls(): Promise<void> {
    this.stallEvents.setMaxListeners(0);
    // A connection of its own (BullMQ blocks on it), to whatever Redis the apps use.
    this.queueEventsConnection = createRedis(this.config.redis, 'consumer', 'fault-rig-events');
    this.queueEventsConnection.on('error', () => undefined);
    this.queueEvents = new QueueEvents(this.queueName, {
      connection: this.queueEventsConnection,
      prefix: this.prefix,
    });
    this.queueEvents.on('error', () => undefined);
    this.queueEvents.on('stalled', ({ jobId }, eventId) => {
      // The event's id is Redis's time when the stalled check moved the job.
      const at = Number(eventId.split('-')[0]);
      this.stalls.set(jobId, [...(this.stalls.get(jobId) ?? []), at]);
      this.stallEvents.emit('stalled', jobId, at);
    });
    await this.queueEvents.waitUntilReady();
  }

  /** When BullMQ first moved job `id` back to waiting as stalled after `after` (watchStalls only). */
  stalledAfter(id: string, after: number, timeoutMs: number): Promise<number | undefined> {
    const seen = this.stalls.get(id)?.find((at) => at >= after);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const listener = (jobId: string, at: number) => {
        if (jobId === id && at >= after) done(at);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (at: number | undefined) => {
        clearTimeout(timer);
        this.stallEvents.off('stalled', listener);
        resolve(at);
      };
      this.stallEvents.on('stalled', listener);
    });
  }

  /** Active job ids and their lock tokens. */
  async activeLocks(): Promise<Map<string, string>> {
    const key = (suffix: string) => `${this.prefix}:${this.queueName}:${suffix}`;
    const ids = await this.inspector.lrange(key('active'), 0, -1);
    const tokens = ids.length
      ? await this.inspector.mget(...ids.map((id) => key(`${id}:lock`)))
      : [];
    return new Map(ids.map((id, i) => [id, tokens[i] ?? '']));
  }

  queue(): Queue {
    this.queueHandle ??= new Queue(this.queueName, {
      connection: this.inspector,
      prefix: this.prefix,
    });
    return this.queueHandle;
  }

  /**
   * SIGSTOP the redis-server holding the rig's keys (on Sentinel and Cluster: their master now): it
   * keeps its connections but answers nothing. thawRedis sends SIGCONT.
   */
  async freezeRedis(): Promise<void> {
    this.thaws.push(await this.redis.freezePrimary());
  }

  thawRedis(): void {
    for (const thaw of this.thaws.splice(0)) thaw();
  }

  /**
   * The ingress's `queue unavailable` lines (one per 503) by request id: when its handler started
   * (`timestamp` − `ackMs`) and how long it took.
   */
  refusalsSeenByIngress(): Map<string, { startedAt: number; ackMs: number }> {
    const seen = new Map<string, { startedAt: number; ackMs: number }>();
    for (const line of this.ingress.lines()) {
      if (!line.includes('"queue unavailable"')) continue;
      const { requestId, ackMs, timestamp } = JSON.parse(line) as {
        requestId?: string;
        ackMs?: number;
        timestamp?: string;
      };
      if (requestId && ackMs !== undefined && timestamp)
        seen.set(requestId, { startedAt: Date.parse(timestamp) - ackMs, ackMs });
    }
    return seen;
  }

  /** The last lines each process printed (warn and above), for a failed run's report. */
  logTail(lines = 8): string[] {
    const runs = [
      ['ingress', this.ingress] as const,
      ...this.workers.map((run, i) => [`worker ${i}`, run] as const),
      ...this.exited.map(({ name, run }) => [name, run] as const),
    ];
    return runs.flatMap(([name, run]) =>
      run
        ? run
            .lines()
            .slice(-lines)
            .map((line) => `${name}: ${line}`)
        : [],
    );
  }

  async close(): Promise<void> {
    this.thawRedis();
    for (const run of [...this.ingresses, ...this.workers]) {
      if (!run || run.child.exitCode !== null || run.child.signalCode !== null) continue;
      run.child.kill('SIGKILL');
      await run.exited;
    }
    await this.queueHandle?.close().catch(() => undefined);
    await this.queueEvents?.close().catch(() => undefined);
    this.queueEventsConnection?.disconnect();
    this.inspector.disconnect();
    await this.backend.close();
    await this.redis.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Waits for a process's /readyz to answer 200 (it listens, Redis answers, its workers consume). */
async function ready(url: string, run: AppProcess): Promise<void> {
  await waitFor(
    async () => {
      if (run.child.exitCode !== null)
        throw new Error(`exited with ${run.child.exitCode}: ${run.lines().join('\n')}`);
      const answer = await fetch(url).catch(() => undefined);
      return answer?.status === 200;
    },
    { timeoutMs: 20_000, intervalMs: 50, what: `${url} ready` },
  );
}

// --- Reconciliation ------------------------------------------------------------------------------------

export interface Reconciliation {
  readonly sent: number;
  readonly acknowledged: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  /** Dead letters that had attempts left (the breaker must hold events without spending them). */
  readonly deadWithAttemptsLeft: number;
  readonly lost: number;
  readonly lostIds: readonly string[];
  /** Delivered hookrelay ids no provider request was acknowledged with (a write applied after a 503). */
  readonly deliveredUnacked: number;
  /** Provider events the backend received under more than one hookrelay id. */
  readonly providerEventsUnderSeveralIds: number;
  /** The most 2xx deliveries of one hookrelay id. */
  readonly mostDeliveriesOfOneId: number;
  /** Acknowledged ids whose backend copies name another provider event (never expected). */
  readonly mismatched: number;
  readonly drained: boolean;
}

/** How long Redis must hold nothing to deliver before `untilIdle` gives up on missing events. */
const IDLE_FOR_MS = 2_000;

/**
 * Waits until every acknowledged event is at the backend (2xx) or dead, and the queue has nothing
 * left to do, then counts. `lost`: acknowledged, and neither. With `untilIdle`, it also stops once
 * Redis has held nothing to deliver (no job, an empty inbox) for IDLE_FOR_MS: a scenario that
 * expects losses (a failover to a replica that missed writes) need not wait out the deadline.
 */
export async function reconcile(
  rig: FaultRig,
  sender: Sender,
  { timeoutMs, untilIdle = false }: { timeoutMs: number; untilIdle?: boolean },
): Promise<Reconciliation> {
  const queue = rig.queue();
  const acked = new Map<string, SentEvent>();
  for (const event of sender.events) if (event.ackedId) acked.set(event.ackedId, event);
  const failedKey = `${rig.prefix}:${rig.queueName}:failed`;
  const inboxKeys = [`${rig.prefix}:inbox`, `${rig.prefix}:inbox:taking`];
  let idleSince: number | undefined;
  let drained = true;
  try {
    await waitFor(
      async () => {
        const counts = await queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'prioritized',
          'waiting-children',
        );
        if (Object.values(counts).some((n) => n > 0)) {
          idleSince = undefined;
          return false;
        }
        const dead = new Set(await rig.inspector.zrange(failedKey, 0, -1));
        const delivered = rig.backend.deliveredCounts();
        if ([...acked.keys()].every((id) => delivered.has(id) || dead.has(id))) return true;
        if (!untilIdle) return false;
        const inbox = await Promise.all(inboxKeys.map((key) => rig.inspector.llen(key)));
        if (inbox.some((n) => n > 0)) {
          idleSince = undefined;
          return false;
        }
        idleSince ??= Date.now();
        return Date.now() - idleSince >= IDLE_FOR_MS;
      },
      { timeoutMs, intervalMs: 250, what: 'every acknowledged event delivered or dead' },
    );
  } catch {
    drained = false;
  }
  const dead = await rig.inspector.zrange(failedKey, 0, -1);
  const deadSet = new Set(dead);
  let deadWithAttemptsLeft = 0;
  for (const id of dead) {
    const job = await Job.fromId(queue, id);
    if (job && job.attemptsMade < (job.opts.attempts ?? 1)) deadWithAttemptsLeft += 1;
  }
  const delivered = rig.backend.deliveredCounts();
  let duplicates = 0;
  let most = 0;
  for (const n of delivered.values()) {
    duplicates += n - 1;
    most = Math.max(most, n);
  }
  const idsPerProvider = new Map<string, Set<string>>();
  let mismatched = 0;
  for (const arrival of rig.backend.arrivals) {
    if (!arrival.delivered || arrival.providerId === undefined) continue;
    const ids = idsPerProvider.get(arrival.providerId) ?? new Set<string>();
    ids.add(arrival.id);
    idsPerProvider.set(arrival.providerId, ids);
    const event = acked.get(arrival.id);
    if (event && event.providerId !== arrival.providerId) mismatched += 1;
  }
  const lostIds = [...acked.keys()].filter((id) => !delivered.has(id) && !deadSet.has(id));
  return {
    sent: sender.sent,
    acknowledged: acked.size,
    delivered: delivered.size,
    duplicates,
    deadLettered: dead.length,
    deadWithAttemptsLeft,
    lost: lostIds.length,
    lostIds,
    deliveredUnacked: [...delivered.keys()].filter((id) => !acked.has(id)).length,
    providerEventsUnderSeveralIds: [...idsPerProvider.values()].filter((ids) => ids.size > 1)
      .length,
    mostDeliveriesOfOneId: most,
    mismatched,
    drained,
  };
}

/**
 * The checks every scenario makes: nothing acknowledged lost, each event under one id. A scenario
 * that shows what an unsafe setting loses (`expectLoss`) checks instead that the loss happened.
 */
export function baseChecks(
  result: Reconciliation,
  stats: RefusalStats,
  { expectLoss = false }: { expectLoss?: boolean } = {},
): Check[] {
  const lossDetail = result.lost
    ? `${result.lost} lost, e.g. ${result.lostIds.slice(0, 3).join(', ')}`
    : `${result.acknowledged} acknowledged, all delivered or dead`;
  return [
    expectLoss
      ? { name: 'loss demonstrated', ok: result.lost > 0, detail: lossDetail }
      : { name: 'nothing acknowledged lost', ok: result.lost === 0, detail: lossDetail },
    {
      name: 'drained',
      ok: result.drained,
      detail: result.drained ? 'queue empty' : 'the queue still had work at the deadline',
    },
    {
      name: 'each provider event under one hookrelay id',
      ok: result.providerEventsUnderSeveralIds === 0 && result.mismatched === 0,
      detail: `${result.providerEventsUnderSeveralIds} provider events under several ids, ${result.mismatched} mismatched`,
    },
    {
      name: 'every request answered',
      ok: stats.hangs === 0,
      detail: `${stats.hangs} without an answer within the sender's timeout, ${stats.errors} connection errors`,
    },
  ];
}

/**
 * The 503 promise (docs/contract.md §4, §8): refusals come within 1 s as the provider measures
 * them, nothing hangs. The ingress's own time for its slowest 503 tells the ingress's share.
 */
export function refusalCheck(stats: RefusalStats, rig: FaultRig): Check {
  const seen = rig.refusalsSeenByIngress();
  const slowestInHandler = Math.max(0, ...[...seen.values()].map((r) => r.ackMs));
  const slowest = stats.slowestRefusal;
  const split = slowest && seen.get(slowest.requestId);
  // The slowest 503 as the provider timed it: until the ingress's handler started (connection,
  // the ingress reading the request, the rig's own event loop), in the handler, then back.
  const parts = split
    ? ` = ${split.startedAt - slowest.sentAt} ms before the handler + ${split.ackMs} in it + ${slowest.answeredAt - split.startedAt - split.ackMs} back`
    : '';
  return {
    name: '503 within 1 s',
    ok: stats.slowestRefusalMs < 1_000 && stats.hangs === 0,
    detail:
      `${stats.refused} refused, ${stats.refusalsOver1s} of them in 1 s or more; slowest 503 ${stats.slowestRefusalMs} ms${parts}; ` +
      `slowest in the ingress's handler ${slowestInHandler} ms; ${stats.hangs} hangs; rig event loop delay max ${stats.rigLagMaxMs} ms`,
  };
}

export function rowOf(
  scenario: string,
  result: Reconciliation,
  stats: RefusalStats,
  extra: { recoveryMs?: number; checks: Check[]; details: string[]; expectLoss?: boolean },
): ScenarioRow {
  return {
    scenario,
    sent: result.sent,
    acknowledged: result.acknowledged,
    delivered: result.delivered,
    duplicates: result.duplicates,
    deadLettered: result.deadLettered,
    lost: result.lost,
    refused: stats.refused,
    longestRefusalMs: stats.longestRefusalMs,
    recoveryMs: extra.recoveryMs,
    checks: [...baseChecks(result, stats, { expectLoss: extra.expectLoss }), ...extra.checks],
    details: [
      `requests ${stats.requests} (retries ${stats.requests - result.sent}), gave up ${stats.gaveUp}, connection errors ${stats.errors}, slowest answer ${stats.slowestAnswerMs} ms`,
      `delivered but never acknowledged ${result.deliveredUnacked}; most deliveries of one id ${result.mostDeliveriesOfOneId}; dead with attempts left ${result.deadWithAttemptsLeft}`,
      ...extra.details,
    ],
  };
}

/** Runs `body` on a started rig, always closing it; a failure's message carries the processes' last lines. */
/**
 * The paced stream of a scenario through `rig`'s ingress: provider ids prefixed by `name` and the
 * time, a provider's retry of a refused event waiting at most 5 s at full scale, 1 s in the short form.
 */
export function streamThrough(
  rig: FaultRig,
  name: string,
  { count, ratePerSecond, full }: { count: number; ratePerSecond: number; full: boolean },
): Sender {
  return new Sender({
    url: rig.webhookUrl,
    count,
    ratePerSecond,
    idPrefix: `${name}${Date.now()}`,
    retryDelayCapMs: full ? 5_000 : 1_000,
  });
}

export async function withRig<T>(options: RigOptions, body: (rig: FaultRig) => Promise<T>) {
  const rig = await FaultRig.start(options);
  try {
    return await body(rig);
  } catch (error) {
    const tail = rig.logTail().join('\n');
    if (error instanceof Error && tail) error.message += `\n${tail}`;
    throw error;
  } finally {
    await rig.close();
  }
}

const seconds = (ms: number | undefined) =>
  ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`;

/** The table run-faults prints, and the short test logs. */
export function formatTable(rows: readonly ScenarioRow[]): string {
  const header = [
    'scenario',
    'sent',
    'acked',
    'delivered',
    'dups',
    'dead',
    'lost',
    'refused',
    'longest refusal',
    'recovery',
  ];
  const body = rows.map((row) => [
    row.scenario,
    String(row.sent),
    String(row.acknowledged),
    String(row.delivered),
    String(row.duplicates),
    String(row.deadLettered),
    String(row.lost),
    String(row.refused),
    seconds(row.longestRefusalMs || undefined),
    seconds(row.recoveryMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

/** The row's checks and details, indented, for the report under the table. */
export function formatDetails(row: ScenarioRow): string {
  return [
    `${row.scenario}:`,
    ...row.checks.map(
      (check) => `  [${check.ok ? 'ok' : 'BROKEN'}] ${check.name}: ${check.detail}`,
    ),
    ...row.details.map((detail) => `  ${detail}`),
  ].join('\n');
}

export const failedChecks = (row: ScenarioRow) => row.checks.filter((check) => !check.ok);
