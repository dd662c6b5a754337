import { loadConfigOrExit } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createLogger } from '@hookrelay/logger';
import { onShutdown } from '@hookrelay/service-kit';
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
const server = app.listen(config.demoBackend.port, config.demoBackend.host, () => {
  logger.info('listening', {
    port: config.demoBackend.port,
    deliveries: `http://127.0.0.1:${config.demoBackend.port}/deliveries`,
  });
});
onShutdown(logger, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  logger.info('deliveries recorded', { count: store.list().length });
});
