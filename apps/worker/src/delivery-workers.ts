import { Worker, type MinimalJob } from 'bullmq';
import type { HookrelayConfig, RetryPolicy } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { DeliveryMetrics } from '@hookrelay/metrics';
import { deliveryQueueName, type DeliveryJobData, type RedisClient } from '@hookrelay/queue';
import { nextDelay } from './backoff.js';
import { RetryableDeliveryError } from './errors.js';
import { createHttpClient } from './http-client.js';
import { createProcessor } from './processor.js';
import { relaySigner } from './relay-signature.js';

export interface DeliveryWorkers {
  readonly workers: readonly Worker[];
  /** True once every worker is connected and consuming. */
  isRunning(): boolean;
  /** Stops taking jobs, lets in-flight deliveries finish, closes connections. Safe to call twice. */
  close(): Promise<void>;
}

export interface DeliveryWorkerOptions {
  readonly config: HookrelayConfig;
  /** A consumer-role connection (maxRetriesPerRequest: null); each worker duplicates it for blocking reads. */
  readonly connection: RedisClient;
  readonly logger: Logger;
  readonly metrics: DeliveryMetrics;
  readonly now?: () => number;
}

/** One BullMQ worker per (source, destination) queue, so each destination is retried and paused on its own. */
export function startDeliveryWorkers({
  config,
  connection,
  logger,
  metrics,
  now = Date.now,
}: DeliveryWorkerOptions): DeliveryWorkers {
  const client = createHttpClient(config.worker.concurrency * 2);
  const signer = config.signing.secret ? relaySigner(config.signing.secret) : undefined;
  const policies = new Map<string, RetryPolicy>();
  const workers: Worker[] = [];

  const backoffStrategy = (
    attemptsMade: number,
    _type?: string,
    error?: Error,
    job?: MinimalJob,
  ): number => {
    const data = job?.data as DeliveryJobData | undefined;
    const policy = data && policies.get(deliveryQueueName(data.source, data.destination));
    if (!policy) return 1_000;
    const retryAfterMs = error instanceof RetryableDeliveryError ? error.retryAfterMs : undefined;
    return nextDelay(policy, attemptsMade, retryAfterMs);
  };

  for (const source of config.sources) {
    for (const destination of source.destinations) {
      const name = deliveryQueueName(source.name, destination.name);
      policies.set(name, destination.retry);
      const processor = createProcessor({
        source,
        destination,
        client,
        logger,
        signer,
        metrics,
        now,
      });
      const worker = new Worker<DeliveryJobData>(name, processor, {
        connection,
        prefix: config.redis.prefix,
        concurrency: config.worker.concurrency,
        lockDuration: config.worker.lockDurationMs,
        stalledInterval: Math.max(1_000, Math.round(config.worker.lockDurationMs / 2)),
        // A crash mid-delivery must lead to another attempt, never to a silent failure.
        maxStalledCount: 1_000,
        settings: { backoffStrategy },
      });
      worker.on('error', (error) =>
        logger.error('worker error', { queue: name, reason: error.message }),
      );
      workers.push(worker);
    }
  }

  let closing: Promise<void> | undefined;
  return {
    workers,
    isRunning: () => workers.every((worker) => worker.isRunning()),
    close() {
      closing ??= Promise.allSettled(workers.map((worker) => worker.close())).then((results) => {
        const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failure) throw failure.reason;
      });
      return closing;
    },
  };
}
