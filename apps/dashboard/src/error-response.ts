import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@hookrelay/logger';
import { errorBody } from '@hookrelay/service-kit';
import { OpsError } from '@hookrelay/ops';

export function sendError(response: Response, status: number, code: string, message: string): void {
  response.status(status).type('application/json').send(errorBody(code, message));
}

/** Body-parser failures carry a status and a type (express.json's `entity.parse.failed`…). */
function isClientBodyError(
  error: unknown,
): error is { status: number; type: string; message: string } {
  const candidate = error as { status?: unknown; type?: unknown };
  return (
    typeof candidate?.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 500 &&
    typeof candidate.type === 'string'
  );
}

/** Last middleware of the API: typed errors → their status, Redis away → 503, anything else → 500 (logged). */
export function apiErrorHandler(logger: Logger, redisReady: () => boolean) {
  return (error: unknown, _request: Request, response: Response, _next: NextFunction): void => {
    if (error instanceof OpsError)
      return sendError(response, error.status, error.code, error.message);
    if (isClientBodyError(error)) {
      return error.status === 413
        ? sendError(response, 413, 'payload_too_large', 'the body is over 256 kB')
        : sendError(response, 400, 'body_invalid', 'the body is not valid JSON');
    }
    if (!redisReady()) {
      response.setHeader('Retry-After', '5');
      return sendError(response, 503, 'redis_unavailable', 'Redis is unavailable; retry later');
    }
    logger.error('ops request failed', { error });
    sendError(response, 500, 'internal_error', 'the operation failed; see the dashboard log');
  };
}
