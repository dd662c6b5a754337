/**
 * The memory soak: does anything grow without bound while the relay runs at a steady rate for a
 * while, with retention short enough that trimming (README.md → "Retention", docs/events.md → "How
 * long it is kept") starts within the run? Not part of `npm test`.
 *   npm run soak                                   (builds first; 200,000 events at 500/s, ~7 min)
 *   npm run soak -w bench -- --events 3000 --rate 300 --retention 5s --sample 1   (short form)
 * What runs: a durable redis-server (startTestRedis), the ingress and the worker as real processes
 * (the built apps/<name>/dist/index.js, each with its own config file, free ports, `retention:
 * { delivered, dead, dedupe }` all --retention), a plain node:http backend answering 200, and a
 * sender that POSTs HMAC-signed events (a fresh provider id each, signed with node:crypto, the
 * `hmac` scheme's own algorithm) at a steady --rate until --events were acknowledged (202).
 * Every --sample seconds, from the first event on: ingress and worker RSS (/proc/<pid>/status
 * VmRSS), Redis used_memory (INFO memory), DBSIZE, the source's event-log time index (ZCARD), and
 * the events acknowledged and delivered so far. Once every event is acknowledged it waits for the
 * queue to drain (--drain-timeout) and takes a last sample.
 * Prints one JSON summary: the samples; for each series the least-squares slope over the steady
 * samples (taken while sending, once the first retention period has passed) with a "flat" judgement
 * against a stated threshold (and a Theil–Sen slope to read beside it); Redis bytes per retained
 * event (see `bytesPerRetainedEvent.method`) and per held event (retained + still queued); the
 * event-log index trims seen between samples. A 503 (enqueueTimeout) is not an acknowledgement:
 * the sender sends another event instead; one whose write landed anyway is delivered and counted
 * in `deliveredNotAcknowledged`.
 * The apps' output goes to log files in a temporary directory; their warn and error lines are
 * counted. Progress goes to stderr. Exits 1 (after printing) when an acknowledged event was not
 * delivered by the end, or an app exited on its own.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConfig } from '@hookrelay/config';
import { createRedis, EventLogKeys, type RedisClient } from '@hookrelay/queue';
import { freePort, startTestRedis } from '@hookrelay/testing';
import { verifyPlugin } from '@hookrelay/verifiers';

const { values } = parseArgs({
  options: {
    /** Events to have acknowledged (202). */
    events: { type: 'string', default: '200000' },
    /** Events sent per second. */
    rate: { type: 'string', default: '500' },
    /** retention.delivered, .dead and .dedupe, as the config writes durations. */
    retention: { type: 'string', default: '60s' },
    /** Seconds between samples. */
    sample: { type: 'string', default: '10' },
    /** The longest wait, in seconds, for the last acknowledged events to be delivered. */
    'drain-timeout': { type: 'string', default: '120' },
    /** The apps' log.level. */
    'log-level': { type: 'string', default: 'info' },
    /** Requests in flight at most: a slow ingress makes the sender fall behind, not pile up. */
    'max-in-flight': { type: 'string', default: '256' },
  },
});
const events = Number(values.events);
const rate = Number(values.rate);
const sampleMs = Number(values.sample) * 1000;
const drainTimeoutMs = Number(values['drain-timeout']) * 1000;
const maxInFlight = Number(values['max-in-flight']);
for (const [name, value] of Object.entries({ events, rate, sampleMs, drainTimeoutMs, maxInFlight }))
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: a positive number`);

const SOURCE = 'payments';
const PREFIX = 'soak';
const SECRET = `soak-${randomBytes(12).toString('hex')}`;
const SIGNATURE_HEADER = 'x-signature';
const progress = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MB = 1024 * 1024;

// ————— the backend —————

/** Answers 200 to everything; notes when each distinct event (X-Hookrelay-Id) first reached it. */
class FastBackend {
  readonly delivered = new Set<string>();
  /** performance.now() of each first delivery, in order (so sorted). */
  readonly deliveredAt: number[] = [];
  requests = 0;
  private server?: Server;
  url = '';

  async start() {
    this.server = createServer((req, res) => {
      this.requests += 1;
      const id = String(req.headers['x-hookrelay-id'] ?? '');
      req.resume();
      req.on('end', () => {
        if (!this.delivered.has(id)) {
          this.delivered.add(id);
          this.deliveredAt.push(performance.now());
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${address.port}`;
  }

  /** Events first delivered within (at - windowMs, at]. */
  deliveredWithin(at: number, windowMs: number): number {
    return upperBound(this.deliveredAt, at) - upperBound(this.deliveredAt, at - windowMs);
  }

  close() {
    this.server?.closeAllConnections();
    return new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** The number of entries of the sorted `times` that are <= `value`. */
function upperBound(times: readonly number[], value: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

// ————— the apps —————

const appEntry = (name: string) =>
  fileURLToPath(new URL(`../../apps/${name}/dist/index.js`, import.meta.url));

function configYaml(redisUrl: string, backendUrl: string, ingressPort: number, workerPort: number) {
  return `# written by bench/src/soak.ts
redis: { url: "${redisUrl}", prefix: ${PREFIX} }
ingress: { port: ${ingressPort}, host: 127.0.0.1 }
worker: { port: ${workerPort}, host: 127.0.0.1 }
log: { level: ${values['log-level']} }
retention: { delivered: ${values.retention}, dead: ${values.retention}, dedupe: ${values.retention} }
defaults:
  retry: { attempts: 10, backoff: exponential, delay: 1s, maxDelay: 1h }
  timeout: 10s
sources:
  ${SOURCE}:
    path: /api/webhooks/${SOURCE}
    verify: { type: hmac, header: ${SIGNATURE_HEADER}, algorithm: sha256, encoding: hex, prefix: "sha256=", secret: ${SECRET} }
    event: { id: body.id, type: body.type }
    destination: { url: "${backendUrl}/webhooks/${SOURCE}" }
`;
}

/** One built app as a child process, its output in a log file. */
class AppProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined;
  stopping = false;

  constructor(
    readonly name: 'ingress' | 'worker',
    configFile: string,
    readonly logFile: string,
    readonly port: number,
  ) {
    const entry = appEntry(name);
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    const out = openSync(logFile, 'a');
    this.child = spawn(process.execPath, [entry], {
      env: { ...process.env, HOOKRELAY_CONFIG: configFile },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exitCode = code;
        if (!this.stopping) progress(`${name} exited on its own (code ${code}, signal ${signal})`);
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Waits until GET /readyz answers 200. */
  async ready(timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited: ${await this.tail()}`);
      const status = await fetch(`http://127.0.0.1:${this.port}/readyz`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) return;
      if (performance.now() > deadline)
        throw new Error(`${this.name} not ready within ${timeoutMs} ms: ${await this.tail()}`);
      await sleep(100);
    }
  }

  /** VmRSS in MB, from /proc. */
  async rssMB(): Promise<number | null> {
    if (!this.running) return null;
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8').catch(() => '');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? null : +(Number(kb) / 1024).toFixed(2);
  }

  async tail(lines = 20): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    this.stopping = true;
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitCode ?? null;
  }

  /** The warn and error lines it wrote (counted; the first few kept). */
  async problems(): Promise<{ warn: number; error: number; other: number; first: string[] }> {
    const result = { warn: 0, error: 0, other: 0, first: [] as string[] };
    const lines = createInterface({ input: createReadStream(this.logFile), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.includes('"level":"info"') || line.includes('"level":"debug"')) continue;
      if (line.includes('"level":"warn"')) result.warn += 1;
      else if (line.includes('"level":"error"')) result.error += 1;
      else if (line.trim()) result.other += 1;
      else continue;
      if (result.first.length < 10) result.first.push(line.slice(0, 500));
    }
    return result;
  }
}

// ————— the sender —————

/** A payment event of about 1 KB with a fresh provider id. */
function eventBody(): string {
  const id = `pay_${randomUUID()}`;
  return JSON.stringify({
    id,
    type: 'payment.succeeded',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: {
      object: {
        id: `ch_${randomBytes(12).toString('hex')}`,
        amount: 1000 + Math.floor(Math.random() * 90_000),
        currency: 'eur',
        status: 'succeeded',
        customer: `cus_${randomBytes(8).toString('hex')}`,
        description: 'Order from the soak test: two items, standard shipping',
        receipt_email: 'jenny.rosen@example.com',
        billing_details: {
          name: 'Jenny Rosen',
          email: 'jenny.rosen@example.com',
          phone: '+33 6 12 34 56 78',
          address: {
            line1: '12 rue de la Paix',
            line2: null,
            city: 'Paris',
            postal_code: '75002',
            state: null,
            country: 'FR',
          },
        },
        payment_method_details: {
          type: 'card',
          card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030, funding: 'credit' },
        },
        metadata: { order_id: randomUUID(), cart_id: randomUUID(), channel: 'web' },
      },
    },
    request: { id: `req_${randomBytes(8).toString('hex')}`, idempotency_key: randomUUID() },
  });
}

type Answer = { status: number; id?: string } | { error: string };

class Sender {
  acknowledged = 0;
  readonly acknowledgedIds = new Set<string>();
  /** Answers other than 202, by status (0: no answer). */
  readonly refused = new Map<number, number>();
  inFlight = 0;
  bodyBytes = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly url: string) {}

  private post(body: string): Promise<Answer> {
    const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    return new Promise((resolve) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'hookrelay-soak/1.0',
            [SIGNATURE_HEADER]: signature,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let id: string | undefined;
            try {
              id = (JSON.parse(text) as { id?: string }).id;
            } catch {
              id = undefined;
            }
            resolve({ status: res.statusCode ?? 0, id });
          });
          res.on('error', (error) => resolve({ error: error.message }));
        },
      );
      req.on('error', (error) => resolve({ error: error.message }));
      req.end(body);
    });
  }

  private async sendOne(): Promise<void> {
    this.inFlight += 1;
    try {
      const body = eventBody();
      this.bodyBytes ||= Buffer.byteLength(body);
      const answer = await this.post(body);
      if ('status' in answer && answer.status === 202 && answer.id) {
        this.acknowledged += 1;
        this.acknowledgedIds.add(answer.id);
      } else {
        const status = 'status' in answer ? answer.status : 0;
        this.refused.set(status, (this.refused.get(status) ?? 0) + 1);
      }
    } finally {
      this.inFlight -= 1;
    }
  }

  /**
   * Sends at `perSecond` until `count` events were acknowledged, or `stop()` says so (an app
   * exited); resolves once every request it made was answered.
   */
  async run(count: number, perSecond: number, stop: () => boolean): Promise<void> {
    const startedAt = performance.now();
    let started = 0;
    const pending = new Set<Promise<void>>();
    while (this.acknowledged < count && !stop()) {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * perSecond);
      while (
        started < due &&
        this.inFlight < maxInFlight &&
        this.acknowledged + this.inFlight < count
      ) {
        started += 1;
        const sent = this.sendOne();
        pending.add(sent);
        void sent.finally(() => pending.delete(sent));
      }
      // Behind and capped: start afresh from now rather than burst later to catch up.
      if (started < due && this.inFlight >= maxInFlight) started = due;
      await sleep(Math.max(2, Math.min(20, 1000 / perSecond)));
    }
    await Promise.all(pending);
  }

  close() {
    this.agent.destroy();
  }
}

// ————— Redis —————

class Inspector {
  private readonly indexKey = new EventLogKeys(PREFIX).bySource(SOURCE);

  constructor(readonly client: RedisClient) {}

  async ready(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => this.client.once('ready', () => resolve()));
  }

  async usedMemory(): Promise<number> {
    const text = String(await this.client.call('INFO', 'memory'));
    const match = /^used_memory:(\d+)/m.exec(text);
    if (!match) throw new Error('INFO memory has no used_memory');
    return Number(match[1]);
  }

  async keys(): Promise<number> {
    return Number(await this.client.call('DBSIZE'));
  }

  /** Entries of the source's event-log time index (trimmed by the worker once a minute). */
  async indexEntries(): Promise<number> {
    return Number(await this.client.call('ZCARD', this.indexKey));
  }
}

// ————— samples and slopes —————

interface Sample {
  /** Seconds since the first event was sent. */
  readonly t: number;
  readonly phase: 'sending' | 'draining' | 'end';
  readonly ingressRssMB: number | null;
  readonly workerRssMB: number | null;
  readonly redisUsedMemory: number;
  readonly redisKeys: number;
  readonly eventLogIndexEntries: number;
  readonly acknowledged: number;
  readonly delivered: number;
  /** Events first delivered within the last retention period: what Redis should be holding. */
  readonly retained: number;
  /** (redisUsedMemory - the empty-Redis baseline) / retained; null while none is retained. */
  readonly bytesPerRetainedEvent: number | null;
  /** Acknowledged but not delivered yet: the worker's backlog (what Redis holds beside `retained`). */
  readonly queued: number;
  /** (redisUsedMemory - the empty-Redis baseline) / (retained + queued): steadier when the worker lags. */
  readonly bytesPerHeldEvent: number | null;
}

type Series =
  | 'ingressRssMB'
  | 'workerRssMB'
  | 'redisUsedMemory'
  | 'redisKeys'
  | 'eventLogIndexEntries'
  | 'bytesPerRetainedEvent'
  | 'bytesPerHeldEvent';

const median = (numbers: readonly number[]) => {
  if (!numbers.length) return null;
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Least-squares slope of y over x; null with fewer than two points or no spread in x. */
function slope(points: readonly [number, number][]): number | null {
  if (points.length < 2) return null;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  }
  return sxx === 0 ? null : sxy / sxx;
}

/** The median of the slopes between every two points; null with fewer than two distinct x. */
function theilSen(points: readonly [number, number][]): number | null {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) {
      const [xi, yi] = points[i]!;
      const [xj, yj] = points[j]!;
      if (xj !== xi) slopes.push((yj - yi) / (xj - xi));
    }
  return median(slopes);
}

const round = (value: number, digits = 0) => +value.toFixed(digits);

interface Trend {
  readonly slope: number | null;
  /** Theil–Sen (the median of the pairwise slopes): for reading, as a few GC spikes sway `slope`. */
  readonly robustSlope: number | null;
  readonly unit: string;
  readonly threshold: number | null;
  readonly thresholdRule: string;
  readonly flat: boolean | null;
  readonly mean: number | null;
  readonly first: number | null;
  readonly last: number | null;
}

const TREND_RULES: Record<Series, { unit: string; absolute?: number; relative?: number }> = {
  ingressRssMB: { unit: 'MB/min', absolute: 1 },
  workerRssMB: { unit: 'MB/min', absolute: 1 },
  redisUsedMemory: { unit: 'bytes/min', absolute: MB },
  redisKeys: { unit: 'keys/min', relative: 0.01 },
  eventLogIndexEntries: { unit: 'entries/min', relative: 0.01 },
  bytesPerRetainedEvent: { unit: 'bytes/min', relative: 0.01 },
  bytesPerHeldEvent: { unit: 'bytes/min', relative: 0.01 },
};

function trend(steady: readonly Sample[], series: Series): Trend {
  const { unit, absolute, relative = 0 } = TREND_RULES[series];
  const points = steady
    .map((sample): [number, number | null] => [sample.t / 60, sample[series]])
    .filter((point): point is [number, number] => point[1] !== null);
  const perMinute = slope(points);
  const robust = theilSen(points);
  const mean = points.length ? points.reduce((sum, [, y]) => sum + y, 0) / points.length : null;
  const threshold = absolute ?? (mean === null ? null : relative * Math.abs(mean));
  const digits = unit === 'MB/min' ? 3 : 0;
  return {
    slope: perMinute === null ? null : round(perMinute, digits),
    robustSlope: robust === null ? null : round(robust, digits),
    unit,
    threshold: threshold === null ? null : round(threshold, digits),
    thresholdRule:
      absolute === MB
        ? '|slope| < 1 MB (1,048,576 bytes) per minute'
        : absolute !== undefined
          ? `|slope| < ${absolute} ${unit}`
          : `|slope| < ${relative * 100}% of the mean over the steady samples, per minute`,
    flat: perMinute === null || threshold === null ? null : Math.abs(perMinute) < threshold,
    mean: mean === null ? null : round(mean, digits),
    first: points[0]?.[1] ?? null,
    last: points.at(-1)?.[1] ?? null,
  };
}

/**
 * Each series' slope per minute over the steady samples and whether it is flat: an absolute
 * threshold for RSS (MB/min) and Redis memory (bytes/min), a relative one (a share of the series'
 * mean over those samples, per minute) for counts and for bytes per retained event.
 */
function trends(steady: readonly Sample[]): Record<Series, Trend> {
  const result = {} as Record<Series, Trend>;
  for (const series of Object.keys(TREND_RULES) as Series[]) result[series] = trend(steady, series);
  return result;
}

/**
 * Where the event-log time index shrank between two samples: about how many entries the worker's
 * trim removed (the previous size, plus the events acknowledged since, minus the size now).
 */
function indexTrims(samples: readonly Sample[]) {
  const trims: { t: number; removedAbout: number; entriesAfter: number }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [before, after] = [samples[i - 1]!, samples[i]!];
    if (after.eventLogIndexEntries >= before.eventLogIndexEntries) continue;
    trims.push({
      t: after.t,
      removedAbout:
        before.eventLogIndexEntries +
        (after.acknowledged - before.acknowledged) -
        after.eventLogIndexEntries,
      entriesAfter: after.eventLogIndexEntries,
    });
  }
  return trims;
}

// ————— the run —————

const dir = mkdtempSync(join(tmpdir(), 'hookrelay-soak-'));
const redis = await startTestRedis();
const backend = new FastBackend();
const apps: AppProcess[] = [];
let inspector: Inspector | undefined;
let sender: Sender | undefined;
let failed = true;
try {
  await backend.start();
  const [ingressPort, workerPort] = [await freePort(), await freePort()];
  const yaml = configYaml(redis.url, backend.url, ingressPort, workerPort);
  // Checked here first: a mistake is one clear error rather than two apps exiting.
  const config = parseConfig(yaml, {}, { verify: verifyPlugin });
  const retentionMs = config.retention.deliveredMs;
  inspector = new Inspector(createRedis(config.redis, 'consumer', 'soak-inspector'));
  inspector.client.on('error', () => undefined);
  await inspector.ready();
  const emptyRedis = await inspector.usedMemory();

  for (const [name, port] of [
    ['ingress', ingressPort],
    ['worker', workerPort],
  ] as const) {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, yaml);
    apps.push(new AppProcess(name, file, join(dir, `${name}.log`), port));
  }
  const [ingress, worker] = apps as [AppProcess, AppProcess];
  await Promise.all(apps.map((app) => app.ready()));
  const idleRedis = await inspector.usedMemory();
  progress(
    `redis ${redis.url}, ingress pid ${ingress.pid}, worker pid ${worker.pid}; logs in ${dir}; ` +
      `${events} events at ${rate}/s, retention ${values.retention}`,
  );

  sender = new Sender(`http://127.0.0.1:${ingressPort}/api/webhooks/${SOURCE}`);
  const samples: Sample[] = [];
  let phase: Sample['phase'] = 'sending';
  const startedAt = performance.now();
  const takeSample = async (): Promise<Sample> => {
    const at = performance.now();
    const [ingressRssMB, workerRssMB, redisUsedMemory, redisKeys, eventLogIndexEntries] =
      await Promise.all([
        ingress.rssMB(),
        worker.rssMB(),
        inspector!.usedMemory(),
        inspector!.keys(),
        inspector!.indexEntries(),
      ]);
    const retained = backend.deliveredWithin(at, retentionMs);
    const queued = Math.max(0, sender!.acknowledged - backend.delivered.size);
    const sample: Sample = {
      t: round((at - startedAt) / 1000, 1),
      phase,
      ingressRssMB,
      workerRssMB,
      redisUsedMemory,
      redisKeys,
      eventLogIndexEntries,
      acknowledged: sender!.acknowledged,
      delivered: backend.delivered.size,
      retained,
      queued,
      bytesPerHeldEvent:
        retained + queued > 0
          ? Math.round((redisUsedMemory - emptyRedis) / (retained + queued))
          : null,
      bytesPerRetainedEvent: retained
        ? Math.round((redisUsedMemory - emptyRedis) / retained)
        : null,
    };
    samples.push(sample);
    progress(
      `t=${sample.t}s ${phase}: ack ${sample.acknowledged}, delivered ${sample.delivered}, ` +
        `ingress ${ingressRssMB} MB, worker ${workerRssMB} MB, redis ` +
        `${round(redisUsedMemory / MB, 1)} MB, ${redisKeys} keys, index ${eventLogIndexEntries}, ` +
        `${sample.bytesPerRetainedEvent ?? '-'} B/retained event`,
    );
    return sample;
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await takeSample().catch((error: Error) => progress(`sample failed: ${error.message}`));
      // On the grid from the start; a slow sample skips a slot rather than crowding the next ones.
      const next =
        startedAt + (Math.floor((performance.now() - startedAt) / sampleMs) + 1) * sampleMs;
      while (sampling && performance.now() < next)
        await sleep(Math.min(100, next - performance.now()));
    }
  })();

  await sender.run(events, rate, () => !apps.every((app) => app.running));
  const sentAt = performance.now();
  phase = 'draining';
  progress(`${sender.acknowledged} acknowledged in ${round((sentAt - startedAt) / 1000, 1)} s`);
  const missing = () => {
    let count = 0;
    for (const id of sender!.acknowledgedIds) if (!backend.delivered.has(id)) count += 1;
    return count;
  };
  const drainDeadline = sentAt + drainTimeoutMs;
  while (missing() > 0 && performance.now() < drainDeadline && apps.every((app) => app.running))
    await sleep(100);
  const drainedAt = performance.now();
  sampling = false;
  await sampler;
  phase = 'end';
  await takeSample();

  const notDelivered = [...sender.acknowledgedIds].filter((id) => !backend.delivered.has(id));
  const steady = samples.filter(
    (sample) => sample.phase === 'sending' && sample.t * 1000 >= retentionMs,
  );
  const series = trends(steady);
  const steadyPerEvent = steady
    .map((sample) => sample.bytesPerRetainedEvent)
    .filter((value): value is number => value !== null);
  const exitedOnTheirOwn = apps.filter((app) => !app.running).map((app) => app.name);
  const sendSeconds = (sentAt - startedAt) / 1000;
  const summary = {
    events,
    rate,
    retention: values.retention,
    retentionMs,
    sampleSeconds: sampleMs / 1000,
    bodyBytes: sender.bodyBytes,
    acknowledged: sender.acknowledged,
    delivered: backend.delivered.size,
    notDelivered: notDelivered.length,
    notDeliveredIds: notDelivered.slice(0, 20),
    /**
     * Delivered events the sender never saw acknowledged: a 503 (enqueueTimeout) whose write still
     * landed. Not an error: the ingress never promised it lost them; a provider's retry is a duplicate.
     */
    deliveredNotAcknowledged: backend.delivered.size - (sender.acknowledged - notDelivered.length),
    backendRequests: backend.requests,
    refused: Object.fromEntries(sender.refused),
    sendSeconds: round(sendSeconds, 1),
    achievedRate: round(sender.acknowledged / sendSeconds, 1),
    drainSeconds: round((drainedAt - sentAt) / 1000, 1),
    redisBaseline: {
      /** used_memory with only the sampling connection, before the apps started. */
      emptyUsedMemory: emptyRedis,
      /** used_memory with the apps connected and idle, before the first event. */
      idleUsedMemory: idleRedis,
    },
    samples,
    steady: {
      rule: 'samples taken while sending, once the first retention period has passed',
      note:
        'the worker trims the event-log time index once a minute whatever the retention, so ' +
        'that series is a sawtooth from one retention period of events up to a minute more',
      fromSeconds: retentionMs / 1000,
      count: steady.length,
      series,
      notFlat: Object.entries(series)
        .filter(([, trend]) => trend.flat === false)
        .map(([name]) => name),
    },
    eventLogIndexTrims: indexTrims(samples),
    bytesPerRetainedEvent: {
      method:
        '(used_memory - emptyUsedMemory) / retained, where retained = the distinct events the ' +
        'backend first received within the last retention period before the sample (delivered ' +
        'jobs, records and provider-id sets expire that long after delivery); everything Redis ' +
        'holds is charged to them: queued and in-flight jobs, indexes, the capped feed and streams',
      lastSteady: steady.at(-1)?.bytesPerRetainedEvent ?? null,
      medianSteady: median(steadyPerEvent),
      minSteady: steadyPerEvent.length ? Math.min(...steadyPerEvent) : null,
      maxSteady: steadyPerEvent.length ? Math.max(...steadyPerEvent) : null,
    },
    exitedOnTheirOwn,
    appProblems: {} as Record<string, unknown>,
    exitCodes: {} as Record<string, number | null>,
  };
  for (const app of apps) summary.exitCodes[app.name] = await app.stop();
  for (const app of apps) summary.appProblems[app.name] = await app.problems();
  console.log(JSON.stringify(summary, null, 2));
  if (notDelivered.length > 0) {
    progress(`${notDelivered.length} acknowledged events were not delivered`);
    process.exitCode = 1;
  }
  if (exitedOnTheirOwn.length > 0) {
    progress(`exited during the run: ${exitedOnTheirOwn.join(', ')}`);
    process.exitCode = 1;
  }
  failed = process.exitCode === 1;
} finally {
  sender?.close();
  await Promise.all(apps.map((app) => app.stop()));
  inspector?.client.disconnect();
  await backend.close();
  await redis.cleanup();
  if (failed) progress(`app logs and configs kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
