import { loadConfigOrExit } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createLogger } from '@hookrelay/logger';
import { Ops } from '@hookrelay/ops';
import { createRedis, settleAll } from '@hookrelay/queue';
import { onShutdown } from '@hookrelay/service-kit';
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
redis.on('error', (error: Error) => logger.debug('redis error', { reason: error.message }));
const ops = new Ops(config, redis);
const registry = createRegistry('dashboard');
queueMetrics(registry, ops.queues.all(), redis);
const app = createServer({ config, ops, redis, logger, registry });

const server = app.listen(config.dashboard.port, config.dashboard.host, () => {
  // The host matters: 127.0.0.1 (the default) keeps the dashboard off the network.
  logger.info('listening', {
    host: config.dashboard.host,
    port: config.dashboard.port,
    auth: [
      config.dashboard.password ? 'basic' : undefined,
      config.dashboard.token ? 'bearer' : undefined,
    ].filter(Boolean),
    queues: ops.queues.all().length,
  });
});

onShutdown(logger, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await settleAll([ops.close(), redis.quit().catch(() => redis.disconnect())]);
});
