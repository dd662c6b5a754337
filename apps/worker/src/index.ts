import { loadConfigOrExit } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createLogger } from '@hookrelay/logger';
import { REDACTED_HEADERS } from '@hookrelay/verifiers';
import {
  createRedis,
  openDeliveryQueues,
  settleAll,
  watchRedisAvailability,
} from '@hookrelay/queue';
import { createServer as createHttpServer } from 'node:http';
import { listenOrExit, onShutdown } from '@hookrelay/service-kit';
import { breakerGuards } from './breaker.js';
import { startDeliveryWorkers } from './delivery-workers.js';
import { createRegistry, deliveryMetrics, inboxMetrics, queueMetrics } from '@hookrelay/metrics';
import { createServer } from './server.js';

const config = loadConfigOrExit({ verify: verifyPlugin });
const logger = createLogger({
  app: 'worker',
  level: config.log.level,
  redactKeys: REDACTED_HEADERS,
});
const redis = createRedis(config.redis, 'consumer', 'hookrelay-worker');
const availability = watchRedisAvailability(redis, config.redis, logger);
const registry = createRegistry('worker');
const queues = openDeliveryQueues(config, redis);
const onQueueError = availability.listener((error) =>
  logger.warn('queue error', { reason: error.message }),
);
for (const { queue } of queues) queue.on('error', onQueueError);
queueMetrics(registry, queues, redis);
const metrics = deliveryMetrics(registry);
const workers = startDeliveryWorkers({
  config,
  connection: redis,
  logger,
  metrics,
  redis: availability,
  // docs/inbox.md: every worker runs an intake; one at a time writes the inbox's events as jobs.
  onIntake: inboxMetrics(registry, redis, config.redis.prefix),
  // docs/contract.md §5: a circuit breaker per destination, its state shared in Redis.
  guardFor: breakerGuards({ redis, prefix: config.redis.prefix, logger, metrics }),
});
const server = createHttpServer(createServer(redis, workers, registry, config.redis.prefix));
void listenOrExit(server, {
  port: config.worker.port,
  host: config.worker.host,
  portSetting: 'WORKER_PORT or worker.port',
  hostSetting: 'worker.host',
  logger,
  details: { queues: workers.workers.map((w) => w.name) },
});

onShutdown(
  logger,
  async () => {
    // Finish in-flight deliveries first; only then close the connections they use.
    await workers.close();
    await settleAll([
      new Promise<void>((resolve) => server.close(() => resolve())),
      ...queues.map(({ queue }) => queue.close()),
      // QUIT waits behind the commands queued while Redis is away (BullMQ's stalled-job check…),
      // which only Redis coming back would run: with Redis unreachable, drop the connection.
      redis.status === 'ready'
        ? redis.quit().catch(() => redis.disconnect())
        : Promise.resolve(redis.disconnect()),
    ]);
  },
  config.worker.shutdownTimeoutMs,
);
