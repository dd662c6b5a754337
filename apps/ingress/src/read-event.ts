import type { IncomingHttpHeaders } from 'node:http';
import { BodyParseError, parseBody, type EventContext } from '@hookrelay/verifiers';
import type { SourceRoute } from './source-route.js';

/** What the ingress reads off a verified request, at the locations its source names. */
export interface EventFields {
  readonly eventId?: string;
  readonly eventType?: string;
  readonly delayMs?: number;
  /** Per destination with `orderBy`: the event's order key, when the event carries one. */
  readonly orderKeys?: Readonly<Record<string, string>>;
  /** Destinations with `orderBy` whose key this event lacks: delivered unordered. */
  readonly unordered?: readonly string[];
}

export type EventReading =
  | ({ readonly ok: true } & EventFields)
  | {
      readonly ok: false;
      readonly code: 'body_invalid' | 'event_id_missing';
      readonly message: string;
    };

/** `2026-01-01T10:00:00Z`, epoch seconds or epoch milliseconds → ms from now (undefined when past or unreadable). */
function delayFrom(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const numeric = /^\d+$/.test(value) ? Number(value) : undefined;
  const at =
    numeric !== undefined ? (numeric < 1e12 ? numeric * 1000 : numeric) : Date.parse(value);
  return Number.isFinite(at) && at > nowMs ? at - nowMs : undefined;
}

/**
 * A blank value is no value: an empty event id would de-duplicate every other empty one away
 * (docs/contract.md §4: a body without an event id is refused).
 */
function presentOrUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** docs/ordering.md: each ordered destination's key, read where its `orderBy` says. */
function orderKeysOf(
  route: SourceRoute,
  context: EventContext,
): Pick<EventFields, 'orderKeys' | 'unordered'> {
  if (route.orderReaders.length === 0) return {};
  const orderKeys: Record<string, string> = {};
  const unordered: string[] = [];
  for (const { destination, read } of route.orderReaders) {
    const key = presentOrUndefined(read(context));
    if (key === undefined) unordered.push(destination);
    else orderKeys[destination] = key;
  }
  return { orderKeys, unordered };
}

/**
 * Reads event id, type, schedule and order keys, parsing the body at most once and as the *source* defines it
 * (never by the unsigned Content-Type). A source that reads its id from the body and finds none is
 * refused: an event is never accepted without the key that de-duplicates it.
 */
export function readEvent(
  route: SourceRoute,
  request: { readonly body: Buffer; readonly headers: IncomingHttpHeaders },
  nowMs: number,
): EventReading {
  let parsed: unknown;
  let parsedOnce = false;
  const context: EventContext = {
    headers: request.headers,
    body() {
      if (!parsedOnce) {
        parsed = parseBody(request.body, route.source.format);
        parsedOnce = true;
      }
      return parsed;
    },
  };
  try {
    const eventId = presentOrUndefined(route.readEventId?.(context));
    if (eventId === undefined && route.idFromBody) {
      return { ok: false, code: 'event_id_missing', message: 'the body carries no event id' };
    }
    return {
      ok: true,
      eventId,
      eventType: route.readEventType?.(context),
      delayMs: delayFrom(route.readDelayUntil?.(context), nowMs),
      ...orderKeysOf(route, context),
    };
  } catch (error) {
    if (error instanceof BodyParseError)
      return { ok: false, code: 'body_invalid', message: error.message };
    throw error;
  }
}
