import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@hookrelay/logger';
import { sendError } from './error-response.js';

/** Methods that change nothing (Bull Board and the ops API keep to that), so any origin may send them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `same-site` is foreign too: another port or subdomain of the dashboard's host is a different
 * application. `same-origin` and `none` (typed in the address bar) are the dashboard's own.
 */
const FOREIGN_FETCH_SITES = new Set(['cross-site', 'same-site']);

/** The refusal is logged; Origin and Host are whatever the other side wrote, so they are cut short. */
const MAX_LOGGED = 200;

/** Whether `origin` names the host the request was sent to (the port defaults by the origin's scheme). */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (origin === 'null' || host === undefined) return false;
  try {
    const from = new URL(origin);
    return new URL(`${from.protocol}//${host}`).host === from.host;
  } catch {
    return false;
  }
}

/**
 * Why a state-changing request must be refused as cross-origin, or undefined when it may go on.
 * A browser names the page that made a request in `Origin` (on every POST/PUT/PATCH/DELETE) and in
 * `Sec-Fetch-Site`; a form auto-submitted by another site carries the operator's cached Basic
 * credentials but cannot hide where it comes from. Clients that send neither (curl, the CLI,
 * scripts with the Bearer token) are not browsers, so there are no ambient credentials to abuse.
 */
export function crossOriginReason(
  method: string,
  headers: IncomingHttpHeaders,
): string | undefined {
  if (SAFE_METHODS.has(method.toUpperCase())) return undefined;
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && FOREIGN_FETCH_SITES.has(site.toLowerCase())) {
    return `Sec-Fetch-Site: ${site}`;
  }
  const origin = headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, headers.host)) {
    return `Origin: ${origin.slice(0, MAX_LOGGED)}`;
  }
  return undefined;
}

/**
 * Refuses state-changing requests from another origin (docs/contract.md §6) with 403, before the credential
 * check: the answer is the same whatever the path and whether credentials are cached, it counts no
 * failed login, and it carries no Basic challenge, so a foreign page cannot make the browser prompt
 * the operator. Behind a reverse proxy the proxy must pass the original Host header through.
 */
export function refuseCrossOrigin(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const reason = crossOriginReason(request.method, request.headers);
    if (reason === undefined) return next();
    logger.warn('cross-origin request refused', {
      method: request.method,
      path: request.path,
      reason,
      host: request.headers.host?.slice(0, MAX_LOGGED),
    });
    sendError(
      response,
      403,
      'cross_origin_refused',
      "state-changing requests must come from the dashboard's own pages, not another site",
    );
  };
}
