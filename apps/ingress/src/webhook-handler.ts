import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@hookrelay/logger';
import type { IngressMetrics } from '@hookrelay/metrics';
import type { Enqueuer } from '@hookrelay/queue';
import { refuseUnsigned } from '@hookrelay/verifiers';
import { ingest, type IngestOutcome } from './ingest.js';
import { BodyAbortedError, PayloadTooLargeError, readBody } from './read-body.js';
import { recordOutcome } from './record-outcome.js';
import { requestIdOf } from './request-id.js';
import { requestUrl, type TrustProxy } from './request-url.js';
import { respond } from './respond.js';
import type { SourceRoute } from './source-route.js';

export interface WebhookHandlerDependencies {
  readonly enqueuer: Enqueuer;
  readonly logger: Logger;
  readonly metrics: IngressMetrics;
  readonly now: () => number;
  /** Whether X-Forwarded-Proto may be believed (`ingress.trustProxy`, compiled by Express). */
  readonly trustProxy: TrustProxy;
}

/** Read the exact bytes → ingest (verify, event id, enqueue) → answer → log and count. */
export function createWebhookHandler({
  enqueuer,
  logger,
  metrics,
  now,
  trustProxy,
}: WebhookHandlerDependencies) {
  return async (
    route: SourceRoute,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> => {
    const receivedAt = now();
    const requestId = requestIdOf(request.headers);
    response.setHeader('X-Request-Id', requestId);
    if (logger.isDebugEnabled())
      logger.debug('received', { source: route.source.name, requestId, path: request.url });

    // Refused on its headers alone: an unsigned request never makes the ingress buffer a body.
    const unsigned = refuseUnsigned(route.verifier, request.headers);
    if (unsigned && !unsigned.ok) {
      const outcome: IngestOutcome = { kind: 'rejected', ...unsigned };
      response.setHeader('Connection', 'close');
      respond(response, outcome);
      recordOutcome(logger, metrics, { route, requestId, ackMs: now() - receivedAt }, outcome);
      return;
    }

    let body: Buffer | undefined;
    let outcome: IngestOutcome;
    try {
      body = await readBody(request, route.source.bodyLimit);
      outcome = await ingest(
        route,
        {
          body,
          headers: request.headers,
          // Only URL-signing schemes (Twilio) read it, so it is built on demand.
          get url() {
            return requestUrl(request, trustProxy);
          },
          requestId,
          receivedAt,
        },
        enqueuer,
      );
    } catch (error) {
      if (error instanceof BodyAbortedError) return;
      if (!(error instanceof PayloadTooLargeError)) throw error;
      outcome = { kind: 'rejected', code: 'payload_too_large', message: error.message };
    }
    respond(response, outcome);
    recordOutcome(logger, metrics, { route, requestId, body, ackMs: now() - receivedAt }, outcome);
  };
}
