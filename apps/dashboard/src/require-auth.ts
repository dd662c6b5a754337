import type { NextFunction, Request, Response } from 'express';
import type { CredentialCheck } from './credentials.js';
import { sendError } from './error-response.js';

/** Lets a request through only with valid credentials; otherwise 401 with a Basic challenge (the browser asks). */
export function requireAuth(check: CredentialCheck) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (check.accepts(request.headers)) return next();
    response.setHeader('WWW-Authenticate', 'Basic realm="hookrelay", charset="UTF-8"');
    sendError(
      response,
      401,
      'unauthorized',
      'valid Basic credentials or a Bearer token are required',
    );
  };
}
