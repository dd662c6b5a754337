import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@hookrelay/logger';
import { presentedIdentity, type CredentialCheck } from './credentials.js';
import { sendError } from './error-response.js';
import type { LoginThrottle } from './login-throttle.js';

/**
 * The address failures are counted under. Express's `trust proxy` is off, so this is the TCP peer:
 * behind a reverse proxy every client shares the proxy's address (and its throttle).
 */
function clientOf(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/**
 * Lets a request through only with valid credentials; otherwise 401 with a Basic challenge (the
 * browser asks). A request that presented credentials and failed is a failed login: logged (who
 * tried, never what) and counted, and a client over the limit gets 429 even with the right
 * credentials until its window ends. A request with no Authorization header is not counted: every
 * browser sends one before it is challenged, and a page on another site could make an operator's
 * browser send many to lock them out.
 */
export function requireAuth(check: CredentialCheck, throttle: LoginThrottle, logger: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const client = clientOf(request);
    const refusedForMs = throttle.refusedForMs(client);
    if (refusedForMs > 0) {
      const seconds = Math.ceil(refusedForMs / 1000);
      response.setHeader('Retry-After', String(seconds));
      return sendError(
        response,
        429,
        'too_many_failed_logins',
        `too many failed logins from this address; retry in ${seconds} s`,
      );
    }
    if (check.accepts(request.headers)) return next();
    if (request.headers.authorization !== undefined) {
      const failures = throttle.recordFailure(client);
      logger.warn('dashboard login failed', {
        client,
        ...presentedIdentity(request.headers),
        failures,
        throttled: failures >= throttle.maxFailures,
      });
    }
    response.setHeader('WWW-Authenticate', 'Basic realm="hookrelay", charset="UTF-8"');
    sendError(
      response,
      401,
      'unauthorized',
      'valid Basic credentials or a Bearer token are required',
    );
  };
}
