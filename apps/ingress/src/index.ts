import { loadConfigOrExit } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createLogger } from '@hookrelay/logger';
import { REDACTED_HEADERS } from '@hookrelay/verifiers';
import { createRedis, EventEnqueuer, settleAll, watchRedisAvailability } from '@hookrelay/queue';
import { createRegistry, ingressMetrics } from '@hookrelay/metrics';
import { createIngressHttpServer } from './http-server.js';
import { createServer } from './server.js';
import { listenOrExit, onShutdown } from '@hookrelay/service-kit';

const config = loadConfigOrExit({ verify: verifyPlugin });
const logger = createLogger({
  app: 'ingress',
  level: config.log.level,
  redactKeys: REDACTED_HEADERS,
});
const redis = createRedis(config.redis, 'producer', 'hookrelay-ingress');
const availability = watchRedisAvailability(redis, config.redis, logger);
const enqueuer = new EventEnqueuer(config, redis, {
  onError: availability.listener((error) => logger.warn('queue error', { reason: error.message })),
});
const registry = createRegistry('ingress');
const app = createServer({
  config,
  enqueuer,
  redis,
  logger,
  metrics: { registry, ingress: ingressMetrics(registry) },
});

const server = createIngressHttpServer(app, config.ingress);
void listenOrExit(server, {
  port: config.ingress.port,
  host: config.ingress.host,
  portSetting: 'PORT or ingress.port',
  hostSetting: 'ingress.host',
  logger,
  details: { sources: config.sources.map((s) => s.paths).flat() },
});

onShutdown(logger, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await settleAll([enqueuer.close(), redis.quit().catch(() => redis.disconnect())]);
});
