import type { IncomingHttpHeaders } from 'node:http';
import {
  encodeBody,
  QueueUnavailableError,
  type EventEnqueuer,
  newEventId,
} from '@hookrelay/queue';
import {
  BodyParseError,
  parseBody,
  type EventContext,
  type RejectionCode,
} from '@hookrelay/verifiers';
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
    }
  | {
      readonly kind: 'duplicate';
      readonly id: string;
      readonly eventId?: string;
      readonly eventType?: string;
    }
  | {
      readonly kind: 'rejected';
      readonly code: RejectionCode | 'body_invalid' | 'payload_too_large';
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

/** `2026-01-01T10:00:00Z`, epoch seconds or epoch milliseconds → ms from now (undefined when past or unreadable). */
function delayFrom(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const numeric = /^\d+$/.test(value) ? Number(value) : undefined;
  const at =
    numeric !== undefined ? (numeric < 1e12 ? numeric * 1000 : numeric) : Date.parse(value);
  return Number.isFinite(at) && at > nowMs ? at - nowMs : undefined;
}

/** Verify → read event id/type → write to Redis. Never throws for anything a client can cause. */
export async function ingest(
  route: SourceRoute,
  request: IngestRequest,
  enqueuer: EventEnqueuer,
): Promise<IngestOutcome> {
  const verdict = await route.verifier.verify(request, request.receivedAt);
  if (!verdict.ok) return { kind: 'rejected', code: verdict.code, message: verdict.message };

  const contentType = request.headers['content-type'];
  let parsed: unknown;
  let parsedOnce = false;
  const context: EventContext = {
    headers: request.headers,
    body() {
      if (!parsedOnce) {
        parsed = parseBody(request.body, contentType);
        parsedOnce = true;
      }
      return parsed;
    },
  };
  let eventId: string | undefined;
  let eventType: string | undefined;
  let delayMs: number | undefined;
  try {
    eventId = route.readEventId?.(context);
    eventType = route.readEventType?.(context);
    delayMs = delayFrom(route.readDelayUntil?.(context), request.receivedAt);
  } catch (error) {
    if (error instanceof BodyParseError)
      return { kind: 'rejected', code: 'body_invalid', message: error.message };
    throw error;
  }

  try {
    const result = await enqueuer.enqueue(
      {
        id: newEventId(request.receivedAt),
        source: route.source.name,
        requestId: request.requestId,
        receivedAt: request.receivedAt,
        eventId,
        eventType,
        contentType,
        headers: pickHeaders(request.headers, route.verifier.forwardHeaders),
        ...encodeBody(request.body),
      },
      { delayMs },
    );
    return { kind: result.status, id: result.id, eventId, eventType };
  } catch (error) {
    if (error instanceof QueueUnavailableError)
      return { kind: 'unavailable', message: error.message };
    throw error;
  }
}
