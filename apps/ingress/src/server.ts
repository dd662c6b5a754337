import type { RequestListener, ServerResponse } from 'node:http';
import express, { type Request, type Response, type NextFunction } from 'express';
import type { HookrelayConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { Enqueuer, RedisClient } from '@hookrelay/queue';
import { metricsHandler, type IngressMetrics, type Registry } from '@hookrelay/metrics';
import { errorBody, healthRoutes } from '@hookrelay/service-kit';
import { pathOf, type TrustProxy } from './request-url.js';
import { sendJson } from './respond.js';
import { buildRouteTable } from './source-route.js';
import { createWebhookHandler } from './webhook-handler.js';

export interface IngressDependencies {
  readonly config: HookrelayConfig;
  readonly enqueuer: Enqueuer;
  readonly redis: RedisClient;
  readonly logger: Logger;
  readonly metrics: { readonly registry: Registry; readonly ingress: IngressMetrics };
  /** With the spool on: why `/readyz` says degraded (SpooledEnqueuer.degradedReason). */
  readonly degradedBecause?: (redisWritable: boolean) => string | undefined;
  readonly now?: () => number;
}

function notAllowed(response: ServerResponse): void {
  response.setHeader('Allow', 'POST');
  sendJson(response, 405, errorBody('method_not_allowed', 'webhooks are POSTed'));
}

function internalError(response: ServerResponse): void {
  if (!response.headersSent) sendJson(response, 500, errorBody('internal_error', 'internal error'));
  else response.destroy();
}

/** Everything but the webhooks: health, metrics, 404 — an Express app. */
function createOpsApp({ config, redis, logger, metrics, degradedBecause }: IngressDependencies) {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', config.ingress.trustProxy);
  app.use(healthRoutes(redis, { keyPrefix: config.redis.prefix, degradedBecause }));
  app.get('/metrics', metricsHandler(metrics.registry));
  app.use((_request: Request, response: Response) => {
    sendJson(response, 404, errorBody('not_found', 'no source at this path'));
  });
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    logger.error('unexpected error', { path: request.path, error });
    internalError(response);
  });
  return app;
}

/**
 * The ingress's request listener (`listen()` happens in index.ts, so tests can use it on any port).
 * A webhook goes straight from node's HTTP server to its handler: Express's router, request and
 * response decoration cost more per request than the Redis write (README "Performance"). Every
 * other path goes through the Express app.
 */
export function createServer(deps: IngressDependencies): RequestListener {
  const { config, enqueuer, logger, metrics } = deps;
  const routes = buildRouteTable(config);
  const app = createOpsApp(deps);
  const handleWebhook = createWebhookHandler({
    enqueuer,
    logger,
    metrics: metrics.ingress,
    now: deps.now ?? Date.now,
    trustProxy: app.get('trust proxy fn') as TrustProxy,
  });
  return (request, response) => {
    const path = pathOf(request.url);
    const route = routes.get(path);
    if (!route) return void app(request, response);
    if (request.method !== 'POST') return notAllowed(response);
    handleWebhook(route, request, response).catch((error: unknown) => {
      logger.error('unexpected error', { path, error });
      internalError(response);
    });
  };
}
