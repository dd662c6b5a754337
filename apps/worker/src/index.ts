import { loadConfigOrExit } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createLogger } from '@hookrelay/logger';
import { REDACTED_HEADERS } from '@hookrelay/verifiers';
import { createRedis, openDeliveryQueues, settleAll } from '@hookrelay/queue';
import { onShutdown } from '@hookrelay/service-kit';
import { startDeliveryWorkers } from './delivery-workers.js';
import { createRegistry, deliveryMetrics, queueMetrics } from '@hookrelay/metrics';
import { createServer } from './server.js';

const config = loadConfigOrExit({ verify: verifyPlugin });
const logger = createLogger({
  app: 'worker',
  level: config.log.level,
  redactKeys: REDACTED_HEADERS,
});
const redis = createRedis(config.redis, 'consumer', 'hookrelay-worker');
redis.on('error', (error: Error) => logger.debug('redis error', { reason: error.message }));
const registry = createRegistry('worker');
const queues = openDeliveryQueues(config, redis);
queueMetrics(registry, queues, redis);
const workers = startDeliveryWorkers({
  config,
  connection: redis,
  logger,
  metrics: deliveryMetrics(registry),
});
const server = createServer(redis, workers, registry, config.redis.prefix).listen(
  config.worker.port,
  config.worker.host,
  () => {
    logger.info('listening', {
      port: config.worker.port,
      queues: workers.workers.map((w) => w.name),
    });
  },
);

onShutdown(
  logger,
  async () => {
    // Finish in-flight deliveries first; only then close the connections they use.
    await workers.close();
    await settleAll([
      new Promise<void>((resolve) => server.close(() => resolve())),
      ...queues.map(({ queue }) => queue.close()),
      redis.quit().catch(() => redis.disconnect()),
    ]);
  },
  config.worker.shutdownTimeoutMs,
);
