import express, { type Express, type Request, type Response, type NextFunction } from 'express';
import type { HookrelayConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { EventEnqueuer, RedisClient } from '@hookrelay/queue';
import { metricsHandler, type IngressMetrics, type Registry } from '@hookrelay/metrics';
import { errorBody, healthRoutes } from '@hookrelay/service-kit';
import { buildRouteTable } from './source-route.js';
import { createWebhookHandler } from './webhook-handler.js';

export interface IngressDependencies {
  readonly config: HookrelayConfig;
  readonly enqueuer: EventEnqueuer;
  readonly redis: RedisClient;
  readonly logger: Logger;
  readonly metrics: { readonly registry: Registry; readonly ingress: IngressMetrics };
  readonly now?: () => number;
}

function notAllowed(response: Response): void {
  response.setHeader('Allow', 'POST');
  response
    .status(405)
    .type('application/json')
    .send(errorBody('method_not_allowed', 'webhooks are POSTed'));
}

/** The ingress Express app; `listen()` happens in index.ts so tests can use it without a port. */
export function createServer(deps: IngressDependencies): Express {
  const { config, enqueuer, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const routes = buildRouteTable(config);
  const handleWebhook = createWebhookHandler({ enqueuer, logger, metrics: metrics.ingress, now });
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', config.ingress.trustProxy);

  // Webhooks first: the hot path meets no other route on its way.
  app.use((request: Request, response: Response, next: NextFunction) => {
    const route = routes.get(request.path);
    if (!route) return next();
    if (request.method !== 'POST') return notAllowed(response);
    handleWebhook(route, request, response).catch(next);
  });

  app.use(healthRoutes(deps.redis, { keyPrefix: config.redis.prefix }));
  app.get('/metrics', metricsHandler(metrics.registry));

  app.use((_request: Request, response: Response) => {
    response
      .status(404)
      .type('application/json')
      .send(errorBody('not_found', 'no source at this path'));
  });

  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    logger.error('unexpected error', { path: request.path, error });
    if (!response.headersSent)
      response
        .status(500)
        .type('application/json')
        .send(errorBody('internal_error', 'internal error'));
  });

  return app;
}
