import { Worker } from 'bullmq';
import type { HookrelayConfig, RetryPolicy } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { DeliveryMetrics } from '@hookrelay/metrics';
import {
  deliveryQueueName,
  settleAll,
  type RedisAvailability,
  type RedisClient,
} from '@hookrelay/queue';
import { nextDelay } from './backoff.js';
import { RetryableDeliveryError } from './errors.js';
import { createHttpClient } from './http-client.js';
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
}: DeliveryWorkerOptions): DeliveryWorkers {
  const client = createHttpClient(config.worker.concurrency * 2);
  const signer = config.signing.secret ? relaySigner(config.signing.secret) : undefined;
  const workers: Worker[] = [];
  const logError = (queue: string) => (error: Error) =>
    logger.error('worker error', { queue, reason: error.message });
  let inFlight = 0;

  for (const source of config.sources) {
    for (const destination of source.destinations) {
      const name = deliveryQueueName(source.name, destination.name);
      const deliver = createProcessor({
        source,
        destination,
        client,
        logger,
        signer,
        metrics,
        now,
      });
      const processor: typeof deliver = async (job) => {
        inFlight += 1;
        try {
          return await deliver(job);
        } finally {
          inFlight -= 1;
        }
      };
      const worker = new Worker(name, processor, {
        connection,
        prefix: config.redis.prefix,
        concurrency: config.worker.concurrency,
        lockDuration: config.worker.lockDurationMs,
        stalledInterval: Math.max(1_000, Math.round(config.worker.lockDurationMs / 2)),
        // A crash mid-delivery must lead to another attempt, never to a silent failure.
        maxStalledCount: 1_000,
        settings: { backoffStrategy: backoffFor(destination.retry) },
      });
      worker.on('error', redis ? redis.listener(logError(name)) : logError(name));
      workers.push(worker);
    }
  }

  let closing: Promise<void> | undefined;
  return {
    workers,
    isRunning: () => workers.every((worker) => worker.isRunning()),
    close() {
      const force = inFlight === 0 && connection.status !== 'ready';
      closing ??= settleAll(workers.map((worker) => worker.close(force)));
      return closing;
    },
  };
}
