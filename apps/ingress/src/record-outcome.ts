import type { Logger } from '@hookrelay/logger';
import type { IngressMetrics } from '@hookrelay/metrics';
import type { IngestOutcome } from './ingest.js';
import type { SourceRoute } from './source-route.js';

export interface AnsweredRequest {
  readonly route: SourceRoute;
  readonly requestId: string;
  readonly body?: Buffer;
  readonly ackMs: number;
}

/** Opt-in per source (`log: { body: true }`): payment payloads carry personal data. */
function bodyForLog(route: SourceRoute, body: Buffer | undefined): { body?: string } {
  if (!body || !route.source.log.body) return {};
  const limit = route.source.log.bodyMaxBytes;
  const text =
    body.length > limit ? `${body.subarray(0, limit).toString('utf8')}…` : body.toString('utf8');
  return { body: text };
}

/** One log line and one metric sample per answered webhook. */
export function recordOutcome(
  logger: Logger,
  metrics: IngressMetrics,
  request: AnsweredRequest,
  outcome: IngestOutcome,
): void {
  const { route, requestId, body, ackMs } = request;
  const source = route.source.name;
  metrics.observe(
    source,
    outcome.kind,
    outcome.kind === 'rejected' ? outcome.code : '',
    ackMs / 1000,
  );
  const meta = { source, requestId, bytes: body?.length, ackMs, ...bodyForLog(route, body) };
  if (outcome.kind === 'accepted')
    for (const destination of outcome.unordered ?? []) metrics.unordered(source, destination);
  switch (outcome.kind) {
    case 'accepted':
    case 'duplicate':
      logger.info(outcome.kind === 'accepted' ? 'enqueued' : 'duplicate', {
        ...meta,
        id: outcome.id,
        eventId: outcome.eventId,
        eventType: outcome.eventType,
        ...(outcome.kind === 'accepted' && outcome.spooled ? { spooled: true } : {}),
      });
      return;
    case 'rejected':
      logger.warn('rejected', { ...meta, code: outcome.code, reason: outcome.message });
      return;
    case 'unavailable':
      logger.error('queue unavailable', { ...meta, reason: outcome.message });
      return;
  }
}
