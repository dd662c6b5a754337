import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { sendError } from './error-response.js';

const HOW =
  'send a JSON object with Content-Type: application/json; {} is the explicit "no filter"';

/**
 * For routes whose body selects what to act on (POST /api/dead-letters/replay): the body must be
 * JSON, sent as `application/json`. A missing body, an empty one, or one of another type (a form
 * post, text/plain) is refused with 400 `body_invalid` rather than read as "no filter", which
 * would select everything: the operator who means everything sends `{}`. It also means no HTML
 * form can reach these routes, since a form cannot send application/json.
 * Parse failures go on to apiErrorHandler (400 body_invalid, 413 payload_too_large).
 */
export function requireJsonBody(limit: string): RequestHandler[] {
  const parse = express.json({
    limit,
    // body-parser reads an empty application/json body as {}; here that is not an explicit filter.
    verify: (_request, _response, buffer) => {
      if (buffer.length === 0) throw new Error('empty body');
    },
  });
  return [
    (request: Request, response: Response, next: NextFunction): void => {
      if (request.is('application/json')) return next();
      sendError(response, 400, 'body_invalid', `the body is not JSON: ${HOW}`);
    },
    parse,
  ];
}
