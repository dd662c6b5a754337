import express, { type Express } from 'express';
import { metricsHandler, type Registry } from '@hookrelay/metrics';
import type { RedisClient } from '@hookrelay/queue';
import { healthRoutes } from '@hookrelay/service-kit';
import type { DeliveryWorkers } from './delivery-workers.js';

/** The worker's small HTTP side: /healthz, /readyz (Redis reachable and consuming), /metrics. */
export function createServer(
  redis: RedisClient,
  workers: DeliveryWorkers,
  registry: Registry,
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(redis, () => workers.isRunning()));
  app.get('/metrics', metricsHandler(registry));
  return app;
}
