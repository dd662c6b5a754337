import { loadConfigOrExit } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createLogger } from '@hookrelay/logger';
import { REDACTED_HEADERS } from '@hookrelay/verifiers';
import { createRedis, EventEnqueuer, settleAll } from '@hookrelay/queue';
import { createRegistry, ingressMetrics } from '@hookrelay/metrics';
import { createIngressHttpServer } from './http-server.js';
import { createServer } from './server.js';
import { onShutdown } from '@hookrelay/service-kit';

const config = loadConfigOrExit({ verify: verifyPlugin });
const logger = createLogger({
  app: 'ingress',
  level: config.log.level,
  redactKeys: REDACTED_HEADERS,
});
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

const server = createIngressHttpServer(app, config.ingress);
const cannotListen = (error: Error) => {
  logger.error('cannot listen', { port: config.ingress.port, reason: error.message });
  process.exit(1);
};
server.once('error', cannotListen);
server.listen(config.ingress.port, config.ingress.host, () => {
  // From now on a server error is a failed accept (e.g. out of file descriptors): keep serving.
  server.off('error', cannotListen);
  server.on('error', (error) => logger.warn('server error', { reason: error.message }));
  logger.info('listening', {
    port: config.ingress.port,
    sources: config.sources.map((s) => s.paths).flat(),
  });
});

onShutdown(logger, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await settleAll([enqueuer.close(), redis.quit().catch(() => redis.disconnect())]);
});
