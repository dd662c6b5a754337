import express, { type Express } from 'express';
import { metricsHandler, type Registry } from '@hookrelay/metrics';
import type { RedisClient } from '@hookrelay/queue';
import { healthRoutes } from '@hookrelay/service-kit';
import type { DeliveryWorkers } from './delivery-workers.js';

/** The worker's small HTTP side: /healthz, /readyz (Redis accepts writes, workers consuming), /metrics. */
export function createServer(
  redis: RedisClient,
  workers: DeliveryWorkers,
  registry: Registry,
  keyPrefix: string,
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    healthRoutes(redis, {
      keyPrefix,
      notReadyBecause: () => (workers.isRunning() ? undefined : 'workers not consuming'),
    }),
  );
  app.get('/metrics', metricsHandler(registry));
  return app;
}
