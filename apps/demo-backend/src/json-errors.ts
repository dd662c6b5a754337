import type { NextFunction, Request, Response } from 'express';
import { errorBody } from '@hookrelay/service-kit';

export function sendError(response: Response, status: number, code: string, message: string): void {
  response.status(status).type('application/json').send(errorBody(code, message));
}

/** Body-parser failures carry a 4xx status and a type (`entity.parse.failed`, `entity.too.large`…). */
function bodyError(error: unknown): { status: number; type: string; message: string } | undefined {
  const candidate = error as { status?: unknown; type?: unknown; message?: unknown };
  return typeof candidate?.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 500 &&
    typeof candidate.type === 'string'
    ? { status: candidate.status, type: candidate.type, message: String(candidate.message) }
    : undefined;
}

/** Unknown routes: a JSON 404 rather than Express's HTML page. */
export function notFound(request: Request, response: Response): void {
  sendError(response, 404, 'not_found', `no route ${request.method} ${request.path}`);
}

/**
 * Last middleware: every error answers JSON `{"error":{"code","message"}}` (README "Send a webhook
 * and watch it arrive"), never Express's HTML page with a stack trace. A body that does not parse
 * is the client's 400 (413 when over the limit).
 */
export function jsonErrors() {
  return (error: unknown, _request: Request, response: Response, _next: NextFunction): void => {
    const client = bodyError(error);
    if (client?.type === 'entity.too.large')
      return sendError(response, 413, 'payload_too_large', 'the body is over the size limit');
    if (client)
      return sendError(
        response,
        400,
        'body_invalid',
        `the body is not valid JSON: ${client.message}`,
      );
    const reason = error instanceof Error ? error.message : String(error);
    sendError(response, 500, 'internal_error', `the demo backend failed: ${reason}`);
  };
}
