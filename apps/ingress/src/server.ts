import express, { type Express, type Request, type Response, type NextFunction } from 'express';
import type { HookrelayConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { EventEnqueuer, RedisClient } from '@hookrelay/queue';
import { ingest } from './ingest.js';
import { BodyAbortedError, PayloadTooLargeError, readBody } from './read-body.js';
import { requestIdOf } from './request-id.js';
import { errorBody, respond } from './respond.js';
import { buildRouteTable, type SourceRoute } from './source-route.js';
import { healthRoutes } from '@hookrelay/service-kit';
import { metricsHandler, type IngressMetrics, type Registry } from '@hookrelay/metrics';

/** Opt-in per source (`log: { body: true }`): payment payloads carry personal data. */
function bodyForLog(route: SourceRoute, body: Buffer): { body?: string } {
  const limit = route.source.log.bodyMaxBytes;
  if (!route.source.log.body) return {};
  return {
    body:
      body.length > limit ? `${body.subarray(0, limit).toString('utf8')}…` : body.toString('utf8'),
  };
}

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

  app.use(healthRoutes(deps.redis));
  app.get('/metrics', metricsHandler(metrics.registry));

  async function handleWebhook(
    route: SourceRoute,
    request: Request,
    response: Response,
  ): Promise<void> {
    const receivedAt = now();
    const requestId = requestIdOf(request.headers);
    response.setHeader('X-Request-Id', requestId);
    const source = route.source.name;
    if (logger.isDebugEnabled()) logger.debug('received', { source, requestId, path: request.path });
    let body: Buffer;
    try {
      body = await readBody(request, route.source.bodyLimit);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        logger.warn('rejected', { source, requestId, code: 'payload_too_large' });
        metrics.ingress.observe(
          source,
          'rejected',
          'payload_too_large',
          (now() - receivedAt) / 1000,
        );
        response.setHeader('Connection', 'close');
        response
          .status(413)
          .type('application/json')
          .send(errorBody('payload_too_large', error.message));
        return;
      }
      if (error instanceof BodyAbortedError) return;
      throw error;
    }
    const outcome = await ingest(
      route,
      {
        body,
        headers: request.headers,
        // Only URL-signing schemes (Twilio) read it, so it is built on demand.
        get url() {
          return `${request.protocol}://${request.get('host') ?? 'localhost'}${request.originalUrl}`;
        },
        requestId,
        receivedAt,
      },
      enqueuer,
    );
    respond(response, outcome);
    const ackMs = now() - receivedAt;
    metrics.ingress.observe(
      source,
      outcome.kind,
      outcome.kind === 'rejected' ? outcome.code : '',
      ackMs / 1000,
    );
    const meta = { source, requestId, bytes: body.length, ackMs, ...bodyForLog(route, body) };
    switch (outcome.kind) {
      case 'accepted':
        logger.info('enqueued', {
          ...meta,
          id: outcome.id,
          eventId: outcome.eventId,
          eventType: outcome.eventType,
        });
        break;
      case 'duplicate':
        logger.info('duplicate', {
          ...meta,
          id: outcome.id,
          eventId: outcome.eventId,
          eventType: outcome.eventType,
        });
        break;
      case 'rejected':
        logger.warn('rejected', { ...meta, code: outcome.code, reason: outcome.message });
        break;
      case 'unavailable':
        logger.error('queue unavailable', { ...meta, reason: outcome.message });
        break;
    }
  }

  app.use((_request: Request, response: Response) => {
    response
      .status(404)
      .type('application/json')
      .send(errorBody('not_found', 'no source at this path'));
  });

  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    logger.error('unexpected error', { path: request.path, error });
    if (!response.headersSent)
      response.status(500).type('application/json').send(errorBody('internal', 'internal error'));
  });

  return app;
}
