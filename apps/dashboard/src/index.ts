import { loadConfigOrExit } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createLogger } from '@hookrelay/logger';
import { Ops } from '@hookrelay/ops';
import { createRedis, settleAll, watchRedisAvailability } from '@hookrelay/queue';
import { createServer as createHttpServer } from 'node:http';
import { listenOrExit, onShutdown } from '@hookrelay/service-kit';
import { hasCredentials } from './credentials.js';
import { createServer } from './server.js';
import { createRegistry, queueMetrics } from '@hookrelay/metrics';

const config = loadConfigOrExit({ verify: verifyPlugin });
if (!hasCredentials(config.dashboard)) {
  process.stderr.write(
    'hookrelay dashboard: refusing to start without credentials; set DASHBOARD_PASSWORD or DASHBOARD_TOKEN (dashboard.password / dashboard.token)\n',
  );
  process.exit(1);
}
const logger = createLogger({ app: 'dashboard', level: config.log.level });
const redis = createRedis(config.redis, 'producer', 'hookrelay-dashboard');
const availability = watchRedisAvailability(redis, config.redis, logger);
const ops = new Ops(config, redis);
const onQueueError = availability.listener((error) =>
  logger.warn('queue error', { reason: error.message }),
);
for (const { queue } of ops.queues.all()) queue.on('error', onQueueError);
const registry = createRegistry('dashboard');
queueMetrics(registry, ops.queues.all(), redis);
const app = createServer({ config, ops, redis, logger, registry });

const server = createHttpServer(app);
// The host matters: 127.0.0.1 (the default) keeps the dashboard off the network.
void listenOrExit(server, {
  port: config.dashboard.port,
  host: config.dashboard.host,
  portSetting: 'DASHBOARD_PORT or dashboard.port',
  hostSetting: 'DASHBOARD_HOST or dashboard.host',
  logger,
  details: {
    auth: [
      config.dashboard.password ? 'basic' : undefined,
      config.dashboard.token ? 'bearer' : undefined,
    ].filter(Boolean),
    queues: ops.queues.all().length,
  },
});

onShutdown(logger, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await settleAll([ops.close(), redis.quit().catch(() => redis.disconnect())]);
});
