import { loadConfigOrExit } from '@hookrelay/config';
import { createLogger } from '@hookrelay/logger';
import { createRedis, EventEnqueuer } from '@hookrelay/queue';
import { createRegistry, ingressMetrics } from '@hookrelay/metrics';
import { createServer } from './server.js';
import { closeAll, onShutdown } from '@hookrelay/service-kit';

const config = loadConfigOrExit();
const logger = createLogger({ app: 'ingress', level: config.log.level });
const redis = createRedis(config.redis, 'producer', 'hookrelay-ingress');
redis.on('error', (error: Error) => logger.debug('redis error', { reason: error.message }));
const enqueuer = new EventEnqueuer(config, redis);
const registry = createRegistry('ingress');
const app = createServer({
  config,
  enqueuer,
  redis,
  logger,
  metrics: { registry, ingress: ingressMetrics(registry) },
});

const server = app.listen(config.ingress.port, config.ingress.host, () => {
  logger.info('listening', {
    port: config.ingress.port,
    sources: config.sources.map((s) => s.paths).flat(),
  });
});
server.keepAliveTimeout = 65_000;

onShutdown(logger, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await closeAll(
    () => enqueuer.close(),
    () => redis.quit().catch(() => redis.disconnect()),
  );
});
