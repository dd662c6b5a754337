import { loadConfigOrExit } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createLogger } from '@hookrelay/logger';
import { createServer } from 'node:http';
import { listenOrExit, onShutdown } from '@hookrelay/service-kit';
import { createDemoBackend } from './server.js';

const config = loadConfigOrExit({ verify: verifyPlugin });
const logger = createLogger({ app: 'demo-backend', level: config.log.level });
const { app, store } = createDemoBackend({
  signingSecret: config.signing.secret,
  onDelivery: (delivery) =>
    logger.info('received delivery', {
      path: delivery.path,
      id: delivery.headers['x-hookrelay-id'],
      requestId: delivery.headers['x-request-id'],
      attempt: delivery.headers['x-hookrelay-attempt'],
      status: delivery.status,
      verified: delivery.signatureValid,
    }),
});
const server = createServer(app);
void listenOrExit(server, {
  port: config.demoBackend.port,
  host: config.demoBackend.host,
  portSetting: 'DEMO_BACKEND_PORT or demoBackend.port',
  hostSetting: 'DEMO_BACKEND_HOST or demoBackend.host',
  logger,
});
onShutdown(logger, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  logger.info('deliveries recorded', { count: store.list().length });
});
