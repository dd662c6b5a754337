import { Writable } from 'node:stream';
import type { HookrelayConfig } from '@hookrelay/config';
import { createLogger } from '@hookrelay/logger';
import { createRegistry, deliveryMetrics } from '@hookrelay/metrics';
import type { RedisClient } from '@hookrelay/queue';
import * as workerLib from '@hookrelay/worker';
import { quietRedis } from './redis.js';

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });

/** Starts the delivery workers as apps/worker does, breakers too; `startedAt` is just before. */
export function startWorkers(
  config: HookrelayConfig,
  connection: RedisClient,
  options: { eventLog?: boolean } = {},
) {
  const logger = createLogger({ app: 'worker', stream: silent, level: 'error' });
  const metrics = deliveryMetrics(createRegistry('worker'));
  const breakerGuards = (workerLib as Partial<typeof workerLib>).breakerGuards;
  const startedAt = performance.now();
  const workers = workerLib.startDeliveryWorkers({
    config,
    connection,
    logger,
    metrics,
    guardFor: breakerGuards?.({ redis: connection, prefix: config.redis.prefix, logger, metrics }),
    ...options,
  });
  return { startedAt, workers };
}

/** Delivers queued events: workers on their own connection until `count` completed or timeoutMs. */
export async function deliverQueued(
  config: HookrelayConfig,
  count: number,
  timeoutMs: number,
  options: { eventLog?: boolean } = {},
): Promise<{ seconds: number; completed: number; done: boolean }> {
  const consumer = quietRedis(config.redis, 'consumer', 'bench-worker');
  let completed = 0;
  let allCompleted: () => void = () => undefined;
  const settled = new Promise<boolean>((resolve) => {
    allCompleted = () => resolve(true);
    setTimeout(() => resolve(false), timeoutMs).unref();
  });
  const { startedAt, workers } = startWorkers(config, consumer, options);
  for (const worker of workers.workers)
    worker.on('completed', () => {
      completed += 1;
      if (completed >= count) allCompleted();
    });
  const done = await settled;
  const seconds = (performance.now() - startedAt) / 1000;
  await workers.close();
  consumer.disconnect();
  return { seconds, completed, done };
}
