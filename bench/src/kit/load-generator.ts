/**
 * The load generator: a child process of the bench (forked by kit/load.ts, so its CPU is not the
 * server's) that sends pre-built Stripe-signed requests (kit/stripe-requests.ts, one Buffer each)
 * over raw node:net keep-alive sockets, one request in flight per connection. It parses only the
 * status line, Content-Length and, minimally, a chunked body; each request's latency goes into a
 * preallocated Float64Array (performance.now()). Modes (kit/load-protocol.ts):
 *   closed  N connections, each sends its next request when the previous answer is complete;
 *           ~1 s of warm-up (discarded), then the measured window. The measured requests are built
 *           after the warm-up (its rate × the window × `headroom`), so none repeats where that
 *           matters; past them it cycles, and `repeated` says how many were sent again.
 *   count   exactly `count` requests that way (what a drain or memory run queues).
 *   paced   open loop: request k is due at t0 + k / rate; a timer sends whatever is due on an idle
 *           connection, opens another while all are busy (up to a cap), else waits for one; latency
 *           runs from the time it was due, so a slow server cannot hide its queueing.
 * With `morePorts` (several servers taking the same requests: two ingress processes), connections
 * are opened on each port in turn, as a round-robin load balancer would, and the 2xx answers are
 * counted per port too. It says `measuring` over IPC when the measured window starts.
 * Receives one `{type: 'run', spec}` over IPC and answers one GeneratorMessage; exits on disconnect.
 */
import { connect, type Socket } from 'node:net';
import type {
  GeneratorMessage,
  LatencySummary,
  LoadResult,
  LoadSpec,
  ClosedLoopSpec,
  CountSpec,
  PacedSpec,
} from './load-protocol.js';
import { buildStripeRequests, type BuiltRequests } from './stripe-requests.js';

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** A phase with requests in flight and no answer for this long gives them up (counted `none`). */
const STALL_MS = 30_000;

// ————— answers —————

/** Where the chunked body starting at `at` ends (after its last chunk and trailers), or -1. */
function chunkedEnd(data: Buffer, at: number): number {
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd < 0) return -1;
    const size = parseInt(data.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunk size');
    if (size === 0) {
      const end = data.indexOf(HEADER_END, lineEnd);
      return end < 0 ? -1 : end + 4;
    }
    at = lineEnd + 2 + size + 2;
    if (at > data.length) return -1;
  }
}

/** The length of the complete answer at the start of `data`, or -1 while it is incomplete. */
function answerLength(data: Buffer): number {
  const headerEnd = data.indexOf(HEADER_END);
  if (headerEnd < 0) return -1;
  const bodyStart = headerEnd + 4;
  const head = data.toString('latin1', 0, headerEnd).toLowerCase();
  const lengthAt = head.indexOf('\r\ncontent-length:');
  if (lengthAt >= 0) {
    const valueEnd = head.indexOf('\r\n', lengthAt + 17);
    const length = parseInt(head.slice(lengthAt + 17, valueEnd < 0 ? undefined : valueEnd), 10);
    return data.length >= bodyStart + length ? bodyStart + length : -1;
  }
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) return chunkedEnd(data, bodyStart);
  // No length and not chunked: a bodiless answer (204, 304); close-delimited bodies are not supported.
  return bodyStart;
}

/** `HTTP/1.1 202 …` → 202. */
const statusOf = (data: Buffer) => (data[9]! - 48) * 100 + (data[10]! - 48) * 10 + (data[11]! - 48);

// ————— connections —————

/** What a pool asks of the phase it runs: the next request to send, and each request's end. */
interface Phase {
  /** The index of the next request to send now; none: nothing is due. */
  next(now: number): number | undefined;
  /** Requests due and not sent yet: while any, the pool may open connections up to its cap. */
  waiting(now: number): number;
  /** No request will be due any more. */
  exhausted(now: number): boolean;
  /**
   * Request `index` ended on a connection to `port`: its status (0: no answer) and, if not 2xx,
   * the start of the answer.
   */
  ended(index: number, status: number, now: number, port: number, refusal?: string): void;
}

class Connection {
  readonly socket: Socket;
  readonly connected: Promise<void>;
  index = -1;
  busy = false;
  private buffered: Buffer | undefined;

  constructor(
    readonly port: number,
    private readonly pool: Pool,
  ) {
    this.socket = connect({ port, host: '127.0.0.1', noDelay: true });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.once('close', () => pool.lost(this));
  }

  send(index: number, bytes: Buffer): void {
    this.index = index;
    this.busy = true;
    this.socket.write(bytes);
  }

  private read(chunk: Buffer): void {
    // An answer to no request: a server closing a connection that sent none within its header
    // deadline (the ingress's 408 after ingress.headersTimeout). Not an answer to count: the
    // connection is going, and the pool opens another when one is needed.
    if (!this.busy) {
      this.buffered = undefined;
      this.socket.destroy();
      return;
    }
    let data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      const length = answerLength(data);
      if (length < 0) break;
      const status = statusOf(data);
      const refusal =
        status >= 200 && status < 300
          ? undefined
          : data.toString('latin1', 0, Math.min(length, 400));
      data = data.subarray(length);
      this.busy = false;
      this.pool.answered(this, status, refusal);
      if (data.length === 0) break;
    }
    this.buffered = data.length ? data : undefined;
  }
}

/** Keep-alive connections to one or more ports, sending what the current phase says is due. */
class Pool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private opening = 0;
  /** A connection that could not be made: the server is not there; the phase ends with it. */
  private failure: Error | undefined;
  opened = 0;
  /** Connections opened per port, by port. */
  readonly openedTo = new Map<number, number>();
  inFlight = 0;
  lastProgress = performance.now();
  phase: Phase | undefined;

  constructor(
    private readonly ports: readonly number[],
    private readonly cap: number,
    private readonly bytesOf: (index: number) => Buffer,
  ) {
    for (const port of ports) this.openedTo.set(port, 0);
  }

  /** Opens connections until `count` are open; resolves once they are connected. */
  async grow(count: number): Promise<void> {
    const opened: Promise<void>[] = [];
    while (this.all.size < Math.min(count, this.cap)) opened.push(this.open());
    await Promise.all(opened);
  }

  private open(): Promise<void> {
    // Round robin over the ports, as a load balancer spreads new connections.
    const port = this.ports[this.opened % this.ports.length]!;
    this.openedTo.set(port, this.openedTo.get(port)! + 1);
    const connection = new Connection(port, this);
    this.all.add(connection);
    this.opening += 1;
    this.opened += 1;
    return connection.connected.then(
      () => {
        this.opening -= 1;
        this.idle.push(connection);
        this.pump();
      },
      (error: Error) => {
        this.opening -= 1;
        this.failure ??= error;
        throw error;
      },
    );
  }

  /** Sends what is due on idle connections; opens more while requests wait and the cap allows. */
  pump(): void {
    const phase = this.phase;
    if (!phase || this.failure) return;
    const now = performance.now();
    while (this.idle.length) {
      const index = phase.next(now);
      if (index === undefined) break;
      const connection = this.idle.pop()!;
      this.inFlight += 1;
      connection.send(index, this.bytesOf(index));
    }
    if (this.idle.length === 0)
      while (this.opening < phase.waiting(now) && this.all.size < this.cap)
        this.open().catch(() => undefined);
  }

  answered(connection: Connection, status: number, refusal?: string): void {
    this.inFlight -= 1;
    this.lastProgress = performance.now();
    this.phase?.ended(connection.index, status, this.lastProgress, connection.port, refusal);
    this.idle.push(connection);
    this.pump();
  }

  lost(connection: Connection): void {
    this.all.delete(connection);
    const idle = this.idle.indexOf(connection);
    if (idle >= 0) this.idle.splice(idle, 1);
    if (connection.busy) {
      connection.busy = false;
      this.inFlight -= 1;
      this.phase?.ended(
        connection.index,
        0,
        performance.now(),
        connection.port,
        'connection closed',
      );
    }
    this.pump();
  }

  /** Resolves once the phase has nothing more to send and nothing in flight, or stalled. */
  settle(phase: Phase): Promise<void> {
    this.phase = phase;
    this.lastProgress = performance.now();
    this.pump();
    return new Promise((resolve, reject) => {
      const check = () => {
        const now = performance.now();
        const stalled = this.inFlight > 0 && now - this.lastProgress > STALL_MS;
        if ((phase.exhausted(now) && this.inFlight === 0) || stalled || this.failure) {
          clearInterval(timer);
          this.phase = undefined;
          this.inFlight = 0;
          if (this.failure) reject(new Error(`cannot connect: ${this.failure.message}`));
          else resolve();
        }
      };
      const timer = setInterval(check, 5);
    });
  }

  close(): void {
    for (const connection of this.all) connection.socket.destroy();
  }
}

// ————— figures —————

/** The answers and latencies of the measured requests. */
class Tally {
  latencies: Float64Array;
  count = 0;
  okWithin = 0;
  /** 2xx answers of the measured requests, and of those within the window (closed mode), by port. */
  readonly okByPort = new Map<number, number>();
  readonly okWithinByPort = new Map<number, number>();
  readonly status = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0 };
  firstRefusal: string | undefined;

  constructor(capacity: number) {
    this.latencies = new Float64Array(Math.max(1, capacity));
  }

  add(latencyMs: number, status: number, refusal: string | undefined, port?: number): void {
    if (this.count === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.count++] = latencyMs;
    if (status >= 200 && status < 300) {
      this.status['2xx'] += 1;
      if (port !== undefined) this.okByPort.set(port, (this.okByPort.get(port) ?? 0) + 1);
    } else if (status >= 300 && status < 400) this.status['3xx'] += 1;
    else if (status >= 400 && status < 500) this.status['4xx'] += 1;
    else if (status >= 500 && status < 600) this.status['5xx'] += 1;
    else this.status.none += 1;
    if (refusal !== undefined) this.firstRefusal ??= refusal;
  }

  /** Requests sent and never answered (given up): counted, with the wait until then. */
  addUnanswered(count: number, latencyMs: number): void {
    for (let i = 0; i < count; i++) this.add(latencyMs, 0, 'no answer');
  }

  summary(): LatencySummary {
    const sorted = this.latencies.slice(0, this.count).sort();
    const at = (p: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : 0;
    let sum = 0;
    for (const value of sorted) sum += value;
    const round = (value: number) => +value.toFixed(3);
    return {
      p50: round(at(0.5)),
      p99: round(at(0.99)),
      p999: round(at(0.999)),
      max: round(sorted.length ? sorted[sorted.length - 1]! : 0),
      mean: round(sorted.length ? sum / sorted.length : 0),
    };
  }
}

/** This process's CPU since it was made, in % of one core. */
class CpuMeter {
  private readonly usage = process.cpuUsage();
  private readonly start = performance.now();

  percent(): number {
    const { user, system } = process.cpuUsage(this.usage);
    return Math.round((user + system) / 10 / (performance.now() - this.start));
  }
}

/** The spec's ports: `port`, then `morePorts`. */
const portsOf = (spec: LoadSpec): number[] => [spec.port, ...(spec.morePorts ?? [])];

/** Says the measured window starts now. */
const measuring = () => process.send?.({ type: 'measuring' } satisfies GeneratorMessage);

/**
 * The figures of a run: `ok` answers (2xx) in `seconds` make its rate, and `okByPort` (answers
 * counted the same way, by port) each port's.
 */
function result(
  spec: LoadSpec,
  tally: Tally,
  ok: number,
  okByPort: ReadonlyMap<number, number>,
  seconds: number,
  cpu: CpuMeter,
  built: BuiltRequests,
  pool: Pool,
  extra: Partial<LoadResult> = {},
): LoadResult {
  return {
    mode: spec.mode,
    requests: tally.count,
    rps: Math.round(ok / seconds),
    seconds: +seconds.toFixed(3),
    status: tally.status,
    firstRefusal: tally.firstRefusal,
    latencyMs: tally.summary(),
    repeated: 0,
    bodyBytes: built.bodyBytes,
    requestBytes: built.requestBytes,
    connectionsOpened: pool.opened,
    generatorCpuPercent: cpu.percent(),
    perPort: portsOf(spec).map((port) => ({
      port,
      connections: pool.openedTo.get(port) ?? 0,
      ok: okByPort.get(port) ?? 0,
      rps: Math.round((okByPort.get(port) ?? 0) / seconds),
    })),
    ...extra,
  };
}

// ————— the modes —————

/** A closed-loop phase over `requests` (indices from `first`) until `until`, cycling if it must. */
function closedPhase(
  first: number,
  count: number,
  until: number,
  tally: Tally,
  cycle: boolean,
): Phase & { sent: number; repeated: number } {
  const sentAt = new Float64Array(count);
  return {
    sent: 0,
    repeated: 0,
    next(now) {
      if (now >= until || (!cycle && this.sent >= count)) return undefined;
      const offset = this.sent++ % count;
      if (this.sent > count) this.repeated += 1;
      sentAt[offset] = now;
      return first + offset;
    },
    waiting(now) {
      return this.exhausted(now) ? 0 : Infinity;
    },
    exhausted(now) {
      return now >= until || (!cycle && this.sent >= count);
    },
    ended(index, status, now, port, refusal) {
      tally.add(now - sentAt[index - first]!, status, refusal, port);
      if (now <= until && status >= 200 && status < 300) {
        tally.okWithin += 1;
        tally.okWithinByPort.set(port, (tally.okWithinByPort.get(port) ?? 0) + 1);
      }
    },
  };
}

async function closedLoop(spec: ClosedLoopSpec): Promise<LoadResult> {
  // Warm-up: enough requests for a fast server; it ends early rather than repeat one.
  const warmupCount = Math.max(2_000, Math.ceil(spec.warmupSeconds * 15_000));
  const warm = buildStripeRequests(spec.requests, 0, warmupCount);
  let batch = warm;
  let first = 0;
  const pool = new Pool(portsOf(spec), spec.connections, (index) => batch.requests[index - first]!);
  try {
    await pool.grow(spec.connections);
    const warmTally = new Tally(warmupCount);
    const warmStart = performance.now();
    await pool.settle(
      closedPhase(0, warmupCount, warmStart + spec.warmupSeconds * 1000, warmTally, false),
    );
    const warmRate = warmTally.count / Math.max(0.1, (performance.now() - warmStart) / 1000);
    // Sized from the warm-up's rate (a warmed server goes faster): unique for the whole window.
    const count = Math.ceil(warmRate * spec.durationSeconds * spec.headroom) + 2_000;
    batch = buildStripeRequests(spec.requests, warmupCount, count);
    first = warmupCount;
    await pool.grow(spec.connections);
    const tally = new Tally(count);
    const cpu = new CpuMeter();
    measuring();
    const start = performance.now();
    const phase = closedPhase(first, count, start + spec.durationSeconds * 1000, tally, true);
    await pool.settle(phase);
    tally.addUnanswered(phase.sent - tally.count, STALL_MS);
    return result(
      spec,
      tally,
      tally.okWithin,
      tally.okWithinByPort,
      spec.durationSeconds,
      cpu,
      warm,
      pool,
      { repeated: phase.repeated },
    );
  } finally {
    pool.close();
  }
}

async function countLoop(spec: CountSpec): Promise<LoadResult> {
  const built = buildStripeRequests(spec.requests, 0, spec.count);
  const pool = new Pool(portsOf(spec), spec.connections, (index) => built.requests[index]!);
  const statuses = new Uint16Array(spec.count);
  const tally = new Tally(spec.count);
  try {
    await pool.grow(spec.connections);
    const cpu = new CpuMeter();
    measuring();
    const start = performance.now();
    const phase = closedPhase(0, spec.count, Infinity, tally, false);
    const ended = phase.ended.bind(phase);
    phase.ended = (index, status, now, port, refusal) => {
      statuses[index] = status;
      ended(index, status, now, port, refusal);
    };
    await pool.settle(phase);
    tally.addUnanswered(phase.sent - tally.count, STALL_MS);
    const seconds = (performance.now() - start) / 1000;
    return result(spec, tally, tally.status['2xx'], tally.okByPort, seconds, cpu, built, pool, {
      measuredFrom: 0,
      statuses,
    });
  } finally {
    pool.close();
  }
}

async function pacedLoop(spec: PacedSpec): Promise<LoadResult> {
  const total = Math.round(spec.rate * (spec.warmupSeconds + spec.durationSeconds));
  const measuredFrom = Math.round(spec.rate * spec.warmupSeconds);
  const built = buildStripeRequests(spec.requests, 0, total);
  const pool = new Pool(portsOf(spec), spec.maxConnections, (index) => built.requests[index]!);
  const statuses = new Uint16Array(total);
  const dueAt = new Float64Array(total);
  const tally = new Tally(total - measuredFrom);
  const interval = 1000 / spec.rate;
  try {
    await pool.grow(Math.min(8, spec.maxConnections));
    const cpu = new CpuMeter();
    const t0 = performance.now() + 20;
    let sent = 0;
    const dueCount = (now: number) => Math.min(total, Math.floor((now - t0) / interval) + 1);
    const phase: Phase = {
      next(now) {
        return sent < dueCount(now) ? sent++ : undefined;
      },
      waiting: (now) => Math.max(0, dueCount(now) - sent),
      exhausted: () => sent >= total,
      ended(index, status, now, port, refusal) {
        statuses[index] = status;
        if (index >= measuredFrom) tally.add(now - (t0 + index * interval), status, refusal, port);
      },
    };
    for (let i = 0; i < total; i++) dueAt[i] = performance.timeOrigin + t0 + i * interval;
    // The timer: wakes when the next request is due (at most every ms) and sends what is due.
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      pool.pump();
      if (sent >= total) return;
      setTimeout(tick, Math.max(1, t0 + sent * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
    // The measured requests start being due after the warm-up's.
    setTimeout(measuring, Math.max(0, t0 + measuredFrom * interval - performance.now()));
    const settled = pool.settle(phase);
    await settled;
    ticking = false;
    const unansweredMeasured = statuses
      .subarray(measuredFrom)
      .reduce((sum, status) => sum + (status === 0 ? 1 : 0), 0);
    tally.addUnanswered(unansweredMeasured - tally.status.none, STALL_MS);
    return result(
      spec,
      tally,
      tally.status['2xx'],
      tally.okByPort,
      spec.durationSeconds,
      cpu,
      built,
      pool,
      { measuredFrom, statuses, dueAt },
    );
  } finally {
    pool.close();
  }
}

function run(spec: LoadSpec): Promise<LoadResult> {
  switch (spec.mode) {
    case 'closed':
      return closedLoop(spec);
    case 'count':
      return countLoop(spec);
    case 'paced':
      return pacedLoop(spec);
  }
}

process.once('message', (message: { type: 'run'; spec: LoadSpec }) => {
  const reply = (answer: GeneratorMessage) => process.send?.(answer);
  run(message.spec).then(
    (result) => reply({ type: 'result', result }),
    (error: Error) => reply({ type: 'failed', error: error.stack ?? String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
