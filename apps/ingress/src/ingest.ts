import type { IncomingHttpHeaders } from 'node:http';
import { encodeBody, QueueUnavailableError, type Enqueuer, newEventId } from '@hookrelay/queue';
import type { RejectionCode } from '@hookrelay/verifiers';
import { dedupeIdOf } from './dedupe-id.js';
import { readEvent } from './read-event.js';
import { receivedHeaders } from './received-headers.js';
import type { SourceRoute } from './source-route.js';

export interface IngestRequest {
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly url: string;
  readonly requestId: string;
  readonly receivedAt: number;
}

/** The one answer ingest gives; each kind maps to exactly one HTTP status (see respond.ts). */
export type IngestOutcome =
  | {
      readonly kind: 'accepted';
      readonly id: string;
      readonly eventId?: string;
      readonly eventType?: string;
      /** Destinations with `orderBy` this event had no key for (delivered unordered). */
      readonly unordered?: readonly string[];
      /** Held in the local spool until Redis answers (docs/spool.md). */
      readonly spooled?: boolean;
    }
  | {
      readonly kind: 'duplicate';
      readonly id: string;
      readonly eventId?: string;
      readonly eventType?: string;
    }
  | {
      readonly kind: 'rejected';
      readonly code: RejectionCode | 'body_invalid' | 'event_id_missing' | 'payload_too_large';
      readonly message: string;
    }
  | { readonly kind: 'unavailable'; readonly message: string };

function pickHeaders(
  headers: IncomingHttpHeaders,
  names: readonly string[],
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string') picked[name] = value;
  }
  return picked;
}

/** Verify → read event id/type → write to Redis. Never throws for anything a client can cause. */
export async function ingest(
  route: SourceRoute,
  request: IngestRequest,
  enqueuer: Enqueuer,
): Promise<IngestOutcome> {
  const verdict = await route.verifier.verify(request, request.receivedAt);
  if (!verdict.ok) return { kind: 'rejected', code: verdict.code, message: verdict.message };
  const event = readEvent(route, request, request.receivedAt);
  if (!event.ok) return { kind: 'rejected', code: event.code, message: event.message };
  const { eventId, eventType, delayMs, orderKeys, unordered } = event;

  try {
    const result = await enqueuer.enqueue(
      {
        id: newEventId(request.receivedAt),
        source: route.source.name,
        requestId: request.requestId,
        receivedAt: request.receivedAt,
        eventId,
        eventType,
        contentType: request.headers['content-type'],
        headers: pickHeaders(request.headers, route.verifier.forwardHeaders),
        ...encodeBody(request.body),
      },
      {
        delayMs,
        dedupeId: dedupeIdOf(route.source, eventId, verdict.fingerprint, request.body),
        receivedHeaders: receivedHeaders(request.headers, route.isSecretHeader),
        orderKeys,
      },
    );
    return result.status === 'accepted'
      ? { kind: 'accepted', id: result.id, eventId, eventType, unordered, spooled: result.spooled }
      : { kind: 'duplicate', id: result.id, eventId, eventType };
  } catch (error) {
    if (error instanceof QueueUnavailableError)
      return { kind: 'unavailable', message: error.message };
    throw error;
  }
}
