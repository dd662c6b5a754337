/**
 * What the bench asks of the load generator (kit/load-generator.ts, a child process) and what it
 * answers, over IPC. Types only.
 */
import type { StripeRequestSpec } from './stripe-requests.js';

interface Target {
  readonly port: number;
  /**
   * More servers taking the same requests (a second ingress process): connections are opened on
   * `port` and these in turn, as a round-robin load balancer spreads them.
   */
  readonly morePorts?: readonly number[];
  readonly requests: StripeRequestSpec;
}

/**
 * `closed`: `connections` keep-alive connections, each sending its next request as soon as the
 * previous answer is complete; `warmupSeconds` (discarded), then `durationSeconds` measured.
 */
export interface ClosedLoopSpec extends Target {
  readonly mode: 'closed';
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /**
   * The measured requests built: the warm-up's rate × durationSeconds × this, plus 2,000. 3 where
   * a repeat would be a duplicate (the ingress); less where repeats cost the same (baselines).
   */
  readonly headroom: number;
}

/** `count`: exactly `count` requests over `connections` closed-loop connections, all measured. */
export interface CountSpec extends Target {
  readonly mode: 'count';
  readonly connections: number;
  readonly count: number;
}

/**
 * `paced` (open loop): request k is due at t0 + k / rate, whatever came back; sent on an idle
 * keep-alive connection, a new one while fewer than `maxConnections` are open, else as soon as one
 * is free. Latency runs from the time it was due. The first `warmupSeconds` of requests are sent
 * and answered but left out of the figures.
 */
export interface PacedSpec extends Target {
  readonly mode: 'paced';
  readonly rate: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly maxConnections: number;
}

export type LoadSpec = ClosedLoopSpec | CountSpec | PacedSpec;

export interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface LoadResult {
  readonly mode: LoadSpec['mode'];
  /** Requests measured (sent in the measured window, or all of `count`). */
  readonly requests: number;
  /** Measured requests answered 2xx per second of the window. */
  readonly rps: number;
  readonly seconds: number;
  /** Answers of the measured requests by status class; `none`: no complete answer. */
  readonly status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number; none: number };
  /** The start of the first answer that was not 2xx, to say why. */
  readonly firstRefusal?: string;
  /** Latency in ms of the measured requests (answered or not: none counts as the wait until given up). */
  readonly latencyMs: LatencySummary;
  /** Requests sent a second time because every pre-built one was used (closed mode). */
  readonly repeated: number;
  readonly bodyBytes: number;
  readonly requestBytes: number;
  readonly connectionsOpened: number;
  /** The generator's own CPU (user + system) over the measured window, % of one core. */
  readonly generatorCpuPercent: number;
  /** Per server port (`port`, then `morePorts`): measured 2xx answers and their rate. */
  readonly perPort: readonly PortFigures[];
  /** `count` and `paced`: the index of the first measured request (0 for `count`). */
  readonly measuredFrom?: number;
  /** `count` and `paced`: every request's status, by index (0: no answer). */
  readonly statuses?: Uint16Array;
  /** `paced`: when each request was due, epoch ms (performance.timeOrigin + now()), by index. */
  readonly dueAt?: Float64Array;
}

export interface PortFigures {
  readonly port: number;
  /** Connections opened to it. */
  readonly connections: number;
  readonly ok: number;
  readonly rps: number;
}

/**
 * `measuring`: the measured window starts now (closed mode, after the warm-up; count and paced
 * modes, when the first request is due), so the bench can read the servers' CPU over it.
 */
export type GeneratorMessage =
  | { readonly type: 'measuring' }
  | { readonly type: 'result'; readonly result: LoadResult }
  | { readonly type: 'failed'; readonly error: string };
