import { loadConfigOrExit } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createLogger } from '@hookrelay/logger';
import { REDACTED_HEADERS } from '@hookrelay/verifiers';
import { createRedis, EventInbox, settleAll, watchRedisAvailability } from '@hookrelay/queue';
import { createRegistry, ingressMetrics } from '@hookrelay/metrics';
import { createIngressHttpServer } from './http-server.js';
import { createServer } from './server.js';
import { openSpool } from './spool/index.js';
import { listenOrExit, onShutdown } from '@hookrelay/service-kit';

const config = loadConfigOrExit({ verify: verifyPlugin });
const logger = createLogger({
  app: 'ingress',
  level: config.log.level,
  redactKeys: REDACTED_HEADERS,
});
const redis = createRedis(config.redis, 'producer', 'hookrelay-ingress');
// One log line per outage and one when Redis is back, however many requests it refused meanwhile.
watchRedisAvailability(redis, config.redis, logger);
// docs/inbox.md: one script call per event; the workers' intake writes the delivery jobs.
const inbox = new EventInbox(config, redis);
const registry = createRegistry('ingress');
// docs/spool.md: with ingress.spool, events go to a local spool while Redis is away.
const spooled = config.ingress.spool
  ? await openSpool(config.ingress.spool, inbox, redis, logger, registry)
  : undefined;
const enqueuer = spooled?.enqueuer ?? inbox;
const app = createServer({
  config,
  enqueuer,
  redis,
  logger,
  metrics: { registry, ingress: ingressMetrics(registry) },
  degradedBecause: spooled?.degradedBecause,
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
  // Stop taking webhooks, then close Redis once every request in progress is answered.
  // server.close() refuses new connections but goes on serving keep-alive ones (it closes only those
  // idle at that instant): a client that keeps sending would hold the ingress open, acknowledging
  // webhooks, until the shutdown timeout. So every answer from now on says `Connection: close`, and
  // connections are closed as soon as they fall idle.
  server.prependListener('request', (_request, response) => {
    if (!response.headersSent) response.setHeader('Connection', 'close');
  });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
  }
  await spooled?.close();
  await settleAll([enqueuer.close(), redis.quit().catch(() => redis.disconnect())]);
});
