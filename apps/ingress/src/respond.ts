import type { ServerResponse } from 'node:http';
import { errorBody } from '@hookrelay/service-kit';
import type { IngestOutcome } from './ingest.js';

/** Seconds a provider should wait before retrying when Redis is away. */
const RETRY_AFTER_SECONDS = '5';

/** Writes a JSON answer with node's own response: no framework between the handler and the socket. */
export function sendJson(response: ServerResponse, status: number, body: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(body);
}

const REJECTION_STATUS: Partial<Record<string, number>> = {
  signature_missing: 401,
  payload_too_large: 413,
};

/**
 * accepted → 202 | duplicate → 200 | signature_missing → 401 | payload_too_large → 413 |
 * other rejections → 400 | unavailable → 503.
 */
export function respond(response: ServerResponse, outcome: IngestOutcome): void {
  switch (outcome.kind) {
    case 'accepted':
      return sendJson(response, 202, `{"received":true,"id":"${outcome.id}"}`);
    case 'duplicate':
      return sendJson(response, 200, `{"received":true,"id":"${outcome.id}","duplicate":true}`);
    case 'rejected':
      if (outcome.code === 'payload_too_large') response.setHeader('Connection', 'close');
      return sendJson(
        response,
        REJECTION_STATUS[outcome.code] ?? 400,
        errorBody(outcome.code, outcome.message),
      );
    case 'unavailable':
      response.setHeader('Retry-After', RETRY_AFTER_SECONDS);
      return sendJson(
        response,
        503,
        errorBody('queue_unavailable', 'the queue is unavailable; retry later'),
      );
  }
}
