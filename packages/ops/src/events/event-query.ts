import { EVENT_STATUSES, isEventId, type EventStatus } from '@hookrelay/queue';
import { InvalidFilterError } from '../errors.js';
import { resolveInstant } from '../replay-filter.js';

export const DEFAULT_EVENT_LIMIT = 50;
export const MAX_EVENT_LIMIT = 500;
/** The longest value a text filter takes: ids, types and globs are short; this bounds the work. */
const MAX_FILTER_LENGTH = 256;

/** The filters GET /api/events takes (docs/contract.md §6), for refusing any other. */
export const EVENT_FILTERS = [
  'source',
  'destination',
  'status',
  'type',
  'eventId',
  'since',
  'until',
  'limit',
  'cursor',
] as const;

/** The filters as the API and the CLI give them: text, unchecked. */
export type EventFilterInput = Partial<Record<(typeof EVENT_FILTERS)[number], string>>;

/** A checked query: every filter narrows the list. */
export interface EventQuery {
  readonly source?: string;
  readonly destination?: string;
  readonly status?: EventStatus;
  /** The event type, `*` matching any run of characters (`payment_intent.*`). */
  readonly type?: string;
  /** The provider's event id. */
  readonly eventId?: string;
  /** Received at or after (epoch ms). */
  readonly sinceMs?: number;
  /** Received at or before (epoch ms). */
  readonly untilMs?: number;
  readonly limit?: number;
  /** The `next` of the page before: list events received before that one. */
  readonly cursor?: string;
}

function text(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_FILTER_LENGTH)
    throw new InvalidFilterError(`${field}: at most ${MAX_FILTER_LENGTH} characters`);
  return value;
}

function statusOf(value: string | undefined): EventStatus | undefined {
  if (value === undefined) return undefined;
  if (!(EVENT_STATUSES as readonly string[]).includes(value))
    throw new InvalidFilterError(`status: expected one of ${EVENT_STATUSES.join(', ')}`);
  return value as EventStatus;
}

function limitOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const limit = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_LIMIT)
    throw new InvalidFilterError(`limit: expected a whole number from 1 to ${MAX_EVENT_LIMIT}`);
  return limit;
}

/** Checks text filters (query string, CLI flags); throws InvalidFilterError naming the first bad one. */
export function parseEventQuery(input: EventFilterInput, nowMs = Date.now()): EventQuery {
  const since = text(input.since, 'since');
  const until = text(input.until, 'until');
  const cursor = text(input.cursor, 'cursor');
  if (cursor !== undefined && !isEventId(cursor))
    throw new InvalidFilterError('cursor: expected the `next` of a previous page');
  const query: EventQuery = {
    source: text(input.source, 'source'),
    destination: text(input.destination, 'destination'),
    status: statusOf(text(input.status, 'status')),
    type: text(input.type, 'type'),
    eventId: text(input.eventId, 'eventId'),
    sinceMs: since === undefined ? undefined : resolveInstant(since, 'since', nowMs),
    untilMs: until === undefined ? undefined : resolveInstant(until, 'until', nowMs),
    limit: limitOf(text(input.limit, 'limit')),
    cursor,
  };
  if (query.sinceMs !== undefined && query.untilMs !== undefined && query.sinceMs > query.untilMs)
    throw new InvalidFilterError('since: must not be after until');
  return query;
}

/**
 * `payment_intent.*` → a matcher; every other character stands for itself. Matched by finding the
 * parts between stars in order (no regular expression, so no backtracking on hostile globs).
 */
export function typeMatcher(glob: string): (type: string | undefined) => boolean {
  const parts = glob.split('*');
  const first = parts[0]!;
  const last = parts.at(-1)!;
  return (type) => {
    if (type === undefined) return false;
    if (parts.length === 1) return type === glob;
    if (type.length < first.length + last.length) return false;
    if (!type.startsWith(first) || !type.endsWith(last)) return false;
    let at = first.length;
    const end = type.length - last.length;
    for (const part of parts.slice(1, -1)) {
      const found = type.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}
