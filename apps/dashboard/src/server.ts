import express, { type Express } from 'express';
import type { HookrelayConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { Ops } from '@hookrelay/ops';
import type { RedisClient } from '@hookrelay/queue';
import { metricsHandler, type Registry } from '@hookrelay/metrics';
import { healthRoutes } from '@hookrelay/service-kit';
import { createBoard } from './bull-board.js';
import { CredentialCheck } from './credentials.js';
import { apiErrorHandler, sendError } from './error-response.js';
import { eventsPages } from './events-pages/routes.js';
import { opsApi } from './ops-api.js';
import { LoginThrottle } from './login-throttle.js';
import { requireAuth } from './require-auth.js';
import { refuseCrossOrigin } from './same-origin.js';
import { securityHeaders } from './security-headers.js';

export interface DashboardDependencies {
  readonly config: HookrelayConfig;
  readonly ops: Ops;
  readonly redis: RedisClient;
  readonly logger: Logger;
  /** Served at /metrics, behind the same credentials as everything else. */
  readonly registry: Registry;
  /** Failed-login throttle; defaults to DEFAULT_LOGIN_THROTTLE on the system clock. */
  readonly loginThrottle?: LoginThrottle;
}

/** The dashboard app, with Bull Board reachable for route listings (tests walk both route tables). */
export interface DashboardApp extends Express {
  readonly board: Express;
}

/**
 * Security headers on every answer; health (unauthenticated); then cross-origin writes refused
 * before anything looks at credentials; then the (throttled) credential check in front of
 * everything else: the ops API, the events pages (/events), and Bull Board with its assets and
 * its own API. Throws MissingCredentialsError when the config has neither a password nor a token.
 */
export function createServer({
  config,
  ops,
  redis,
  logger,
  registry,
  loginThrottle = new LoginThrottle(),
}: DashboardDependencies): DashboardApp {
  const check = new CredentialCheck(config.dashboard);
  const board = createBoard(ops.queues);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use(securityHeaders());
  app.use(healthRoutes(redis, { keyPrefix: config.redis.prefix }));
  app.use(refuseCrossOrigin(logger));
  app.use(requireAuth(check, loginThrottle, logger));
  app.get('/metrics', metricsHandler(registry));
  app.use(opsApi(ops, logger));
  app.use(eventsPages(ops, logger));
  app.use(board);
  app.use((_request, response) =>
    sendError(response, 404, 'not_found', 'no such page or API route'),
  );
  app.use(apiErrorHandler(logger, () => redis.status === 'ready'));
  return Object.assign(app, { board });
}
