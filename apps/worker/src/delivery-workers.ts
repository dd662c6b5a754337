import { Queue, Worker, type RateLimiterOptions } from 'bullmq';
import type { DestinationConfig, HookrelayConfig, RetryPolicy } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { DeliveryMetrics } from '@hookrelay/metrics';
import {
  deliveryQueueName,
  EventLog,
  Intake,
  KeyOrder,
  settleAll,
  type RedisAvailability,
  type RedisClient,
} from '@hookrelay/queue';
import { nextDelay } from './backoff.js';
import type { GuardFor } from './destination-guard.js';
import { RetryableDeliveryError } from './errors.js';
import { createHttpClient } from './http-client.js';
import { startEventLogTrim } from './event-log-trim.js';
import { createProcessor } from './processor.js';
import { relaySigner } from './relay-signature.js';

export interface DeliveryWorkers {
  readonly workers: readonly Worker[];
  /** True once every worker is connected and consuming. */
  isRunning(): boolean;
  /**
   * Stops taking jobs, lets in-flight deliveries finish, closes connections. Safe to call twice.
   * With Redis away and nothing in flight it closes at once: BullMQ's graceful close waits for its
   * blocked fetch to end, which needs Redis back.
   */
  close(): Promise<void>;
}

export interface DeliveryWorkerOptions {
  readonly config: HookrelayConfig;
  /** A consumer-role connection (maxRetriesPerRequest: null); each worker duplicates it for blocking reads. */
  readonly connection: RedisClient;
  readonly logger: Logger;
  readonly metrics: DeliveryMetrics;
  /** Where connection errors go (one line per outage); without it each error is logged. */
  readonly redis?: RedisAvailability;
  readonly now?: () => number;
  /** Each destination's guard (the circuit breaker), asked before each attempt; none: NO_GUARD. */
  readonly guardFor?: GuardFor;
  /**
   * Record every attempt in the event log and trim its indexes (docs/events.md); default true.
   * Off only to measure what the event log costs.
   */
  readonly eventLog?: boolean;
  /**
   * Run an intake (docs/inbox.md): turn the ingress's inbox into delivery jobs, one intake at a
   * time across every worker process. Default true; off only to measure deliveries alone.
   */
  readonly intake?: boolean;
  /** Told how many accepted events each intake batch turned into jobs. */
  readonly onIntake?: (events: number) => void;
}

/** The most slices a `rateLimit` window is cut into, and the shortest slice. */
const MAX_SLICES = 20;
const MIN_SLICE_MS = 50;

/**
 * docs/contract.md §5 `rateLimit: {max, per}` as a BullMQ limiter. BullMQ keeps the limiter's count
 * in Redis, per queue, so it holds across every worker process; but its window is fixed (it starts
 * at the window's first job), so `{max, per}` as is would let up to 2 × max start within one `per`
 * that straddles two windows. Cut `per` into `n` slices of `ceil(per / n)` with `floor(max / (n + 1))`
 * each: any span of `per` meets at most n + 1 slices, so at most `max` starts, whatever the span.
 * `n` is the one that lets the most through (about max × n / (n + 1) per `per`).
 *
 * A destination without `rateLimit` gets a limiter it never reaches: BullMQ honours a hold
 * (`worker.rateLimit`, for a 429 or 503 with Retry-After) only on a worker that has a limiter.
 */
export function limiterFor(destination: Pick<DestinationConfig, 'rateLimit'>): RateLimiterOptions {
  const limit = destination.rateLimit;
  if (!limit) return { max: 1_000_000_000, duration: 1_000 };
  let best: RateLimiterOptions = { max: limit.max, duration: limit.perMs };
  let bestRate = 0;
  for (let n = 1; n <= Math.min(MAX_SLICES, Math.floor(limit.perMs / MIN_SLICE_MS)); n++) {
    const max = Math.floor(limit.max / (n + 1));
    if (max >= 1 && max * n > bestRate) {
      best = { max, duration: Math.ceil(limit.perMs / n) };
      bestRate = max * n;
    }
  }
  // None fits (max 1, or a very short `per`): one window. With max 1 that is exact too: the next
  // window opens only after this one closed.
  return best;
}

/**
 * docs/contract.md §5 `concurrency`: BullMQ's global concurrency, kept in the queue's meta in Redis,
 * caps the jobs active across every worker process. Set from the config at each start, and removed
 * when the config no longer sets it.
 */
async function applyGlobalConcurrency(
  name: string,
  destination: DestinationConfig,
  connection: RedisClient,
  prefix: string,
  onError: (error: Error) => void,
): Promise<void> {
  const queue = new Queue(name, { connection, prefix });
  queue.on('error', onError);
  try {
    if (destination.concurrency === undefined) await queue.removeGlobalConcurrency();
    else await queue.setGlobalConcurrency(destination.concurrency);
  } finally {
    await queue.close();
  }
}

/**
 * How often BullMQ looks for deliveries whose worker died (docs/contract.md §8: attempted again
 * within 15 s). A dead worker's lock lapses at most `lockDuration` after its death (BullMQ renews
 * each lock every lockDuration / 4 to / 2 while the delivery runs); the first stalled check after
 * that moves the delivery back to the front of the waiting list. So the worst case is lockDuration
 * + this + the check's own lateness on a busy machine: 10 s + 2 s with the defaults, measured at
 * 10–13 s by `npm run test:faults` with 2.5 s. A fifth of the lock, between 1 s (each check is a
 * Lua script over the queue's active list) and 5 s (a long lock should not also mean a slow check).
 */
export function stalledIntervalFor(lockDurationMs: number): number {
  return Math.min(5_000, Math.max(1_000, Math.round(lockDurationMs / 5)));
}

/** BullMQ's backoffStrategy for one destination's worker: its retry policy, or the backend's Retry-After. */
function backoffFor(policy: RetryPolicy) {
  return (attemptsMade: number, _type?: string, error?: Error): number => {
    const retryAfterMs = error instanceof RetryableDeliveryError ? error.retryAfterMs : undefined;
    return nextDelay(policy, attemptsMade, retryAfterMs);
  };
}

/** One BullMQ worker per (source, destination) queue, so each destination is retried and paused on its own. */
export function startDeliveryWorkers({
  config,
  connection,
  logger,
  metrics,
  redis,
  now = Date.now,
  guardFor,
  eventLog: withEventLog = true,
  intake: withIntake = true,
  onIntake,
}: DeliveryWorkerOptions): DeliveryWorkers {
  const eventLog = withEventLog ? new EventLog(connection, config) : undefined;
  const stopTrim = eventLog
    ? startEventLogTrim(
        eventLog,
        config.sources.map((source) => source.name),
        logger,
        () => connection.status === 'ready',
      )
    : () => undefined;
  const client = createHttpClient(config.worker.concurrency * 2);
  const signer = config.signing.secret ? relaySigner(config.signing.secret) : undefined;
  const workers: Worker[] = [];
  const logError = (queue: string) => (error: Error) =>
    logger.error('worker error', { queue, reason: error.message });
  const intake = withIntake
    ? new Intake({
        config,
        connection,
        log: logger,
        onWritten: onIntake,
        onError: redis ? redis.listener(logError('intake')) : logError('intake'),
      })
    : undefined;
  let inFlight = 0;

  for (const source of config.sources) {
    for (const destination of source.destinations) {
      const name = deliveryQueueName(source.name, destination.name);
      let order: KeyOrder | undefined;
      const deliver = createProcessor({
        source,
        destination,
        client,
        logger,
        signer,
        metrics,
        now,
        guard: guardFor?.(source, destination),
        eventLog,
        connection,
        // The worker below exists before any job runs.
        hold: (ms) => worker.rateLimit(ms),
        // On the worker below, made when the first job runs (docs/ordering.md).
        get order() {
          return (order ??= new KeyOrder(connection, worker, config.retention.deadMs));
        },
      });
      const processor: typeof deliver = async (job, token) => {
        inFlight += 1;
        try {
          return await deliver(job, token);
        } finally {
          inFlight -= 1;
        }
      };
      const worker = new Worker(name, processor, {
        connection,
        prefix: config.redis.prefix,
        concurrency: config.worker.concurrency,
        lockDuration: config.worker.lockDurationMs,
        limiter: limiterFor(destination),
        // A capped destination starts once its cap is in Redis; see applyGlobalConcurrency.
        autorun: destination.concurrency === undefined,
        stalledInterval: stalledIntervalFor(config.worker.lockDurationMs),
        // A crash mid-delivery must lead to another attempt, never to a silent failure.
        maxStalledCount: 1_000,
        settings: { backoffStrategy: backoffFor(destination.retry) },
      });
      const onError = redis ? redis.listener(logError(name)) : logError(name);
      worker.on('error', onError);
      workers.push(worker);
      const capped = applyGlobalConcurrency(
        name,
        destination,
        connection,
        config.redis.prefix,
        onError,
      );
      if (worker.opts.autorun) capped.catch(onError);
      else capped.then(() => (closing ? undefined : worker.run())).catch(onError);
    }
  }

  let closing: Promise<void> | undefined;
  return {
    workers,
    isRunning: () => workers.every((worker) => worker.isRunning()),
    close() {
      stopTrim();
      const force = inFlight === 0 && connection.status !== 'ready';
      closing ??= settleAll([
        ...(intake ? [intake.close()] : []),
        ...workers.map((worker) => worker.close(force)),
      ]);
      return closing;
    },
  };
}
