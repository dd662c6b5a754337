import express, { type Express } from 'express';
import type { RedisClient } from '@hookrelay/queue';
import { healthRoutes } from '@hookrelay/service-kit';
import type { DeliveryWorkers } from './delivery-workers.js';

/** The worker's small HTTP side: /healthz, /readyz (Redis reachable and consuming). */
export function createServer(redis: RedisClient, workers: DeliveryWorkers): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(redis, () => workers.isRunning()));
  return app;
}
