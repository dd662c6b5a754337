import {
  deliveredAttemptsOf,
  glanceAtEvents,
  idFloor,
  receivedAtOfId,
  type EventLogKeys,
  type EventStatus,
  type EventGlance,
  type AttemptRecord,
} from '@hookrelay/queue';
import type { DeliveryQueue, DeliveryQueues } from '../delivery-queues.js';
import { InvalidFilterError } from '../errors.js';
import { DEFAULT_EVENT_LIMIT, typeMatcher, type EventQuery } from './event-query.js';
import { idsWithProviderId, readRecords, type EventRecord } from './event-records.js';
import { lastAttemptOf, lastErrorOf } from './last-attempt.js';

/** One event for one destination, as GET /api/events and `hookrelay events` list it. */
export interface EventListItem {
  readonly id: string;
  readonly source: string;
  readonly destination: string;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly status: EventStatus;
  readonly receivedAt: string;
  /** Attempts since it was received or last replayed. */
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
}

export interface EventPage {
  /** Newest first; an event that fans out lists one item per destination, never split across pages. */
  readonly items: EventListItem[];
  /** Give it back as `cursor` for the events received before these; null when there are none. */
  readonly next: string | null;
}

/**
 * Events examined for one page at most: a filter that matches few events (a rare type) answers a
 * short page with a `next` instead of reading the whole retention window in one request.
 */
export const SCAN_BUDGET = 5_000;

interface Candidate {
  readonly id: string;
  readonly source: string;
}

/** The sources the query covers, each with the queues of the destinations it covers. */
function selection(queues: DeliveryQueues, query: EventQuery): Map<string, DeliveryQueue[]> {
  const sources = query.source === undefined ? queues.sources() : [query.source];
  const selected = new Map<string, DeliveryQueue[]>();
  for (const source of sources) {
    const entries = queues
      .ofSource(source)
      .filter(
        (entry) => query.destination === undefined || entry.destination === query.destination,
      );
    if (entries.length > 0) selected.set(source, entries);
  }
  if (selected.size === 0)
    throw new InvalidFilterError(
      `destination: no ${query.source ? `destination of ${query.source}` : 'source has a destination'} named "${query.destination}"`,
    );
  return selected;
}

/** Lex bounds of the time window and the cursor, for ZRANGE BYLEX REV (newest first). */
function bounds(query: EventQuery): { upper: string; lower: string } {
  let upper = '+';
  if (query.untilMs !== undefined) upper = `(${idFloor(query.untilMs + 1)}`;
  if (query.cursor !== undefined && (upper === '+' || `(${query.cursor}` < upper))
    upper = `(${query.cursor}`;
  const lower = query.sinceMs === undefined ? '-' : `[${idFloor(query.sinceMs)}`;
  return { upper, lower };
}

/**
 * Reads candidates newest first from the sources' time indexes (and dead indexes: a dead event
 * outlives the time index, which keeps `retention.delivered`), `size` at a time, merged and
 * de-duplicated across indexes.
 */
class IndexScan {
  private upper: string;
  private readonly lower: string;
  private exhausted = false;

  constructor(
    private readonly queues: DeliveryQueues,
    private readonly indexes: readonly { key: string; source: string }[],
    bound: { upper: string; lower: string },
  ) {
    this.upper = bound.upper;
    this.lower = bound.lower;
  }

  async next(size: number): Promise<Candidate[]> {
    if (this.exhausted) return [];
    const pipeline = this.queues.connection.pipeline();
    for (const { key } of this.indexes)
      pipeline.zrevrangebylex(key, this.upper, this.lower, 'LIMIT', 0, size);
    const answers = (await pipeline.exec()) ?? [];
    const bySource = new Map<string, string>();
    let full = false;
    answers.forEach(([error, ids], i) => {
      if (error) throw error;
      const found = ids as string[];
      if (found.length === size) full = true;
      for (const id of found) bySource.set(id, this.indexes[i]!.source);
    });
    const merged = [...bySource.keys()].sort().reverse().slice(0, size);
    // Fewer than `size` from every index: nothing is left below what was read.
    if (!full) this.exhausted = true;
    if (merged.length > 0) this.upper = `(${merged.at(-1)!}`;
    if (merged.length < size) this.exhausted = true;
    return merged.map((id) => ({ id, source: bySource.get(id)! }));
  }

  get done(): boolean {
    return this.exhausted;
  }
}

/** The candidates carrying provider id `eventId`, within the window, newest first: one SMEMBERS. */
async function byProviderId(
  queues: DeliveryQueues,
  keys: EventLogKeys,
  query: EventQuery,
  sources: ReadonlySet<string>,
): Promise<Candidate[]> {
  const { upper, lower } = bounds(query);
  const inWindow = (id: string) =>
    (upper === '+' || id < upper.slice(1)) && (lower === '-' || id >= lower.slice(1));
  const ids = (await idsWithProviderId(queues.connection, keys, query.eventId!))
    .filter(inWindow)
    .sort()
    .reverse();
  const records = await readRecords(queues.connection, keys, ids);
  return ids.flatMap((id, i) => {
    const source = records[i]?.source;
    return source !== undefined && sources.has(source) ? [{ id, source }] : [];
  });
}

/** The items of a batch of candidates that pass the query's filters, in candidate order, grouped by event. */
async function describe(
  queues: DeliveryQueues,
  keys: EventLogKeys,
  selected: ReadonlyMap<string, DeliveryQueue[]>,
  candidates: readonly Candidate[],
  query: EventQuery,
): Promise<EventListItem[][]> {
  const jobs = candidates.flatMap(({ id, source }) =>
    selected.get(source)!.map((entry) => ({ id, entry, queue: entry.queue })),
  );
  // The delivered attempt is a delivered job's return value (docs/events.md): read beside the
  // glance, in the same round trip; a job not delivered has none, which costs nothing to read.
  const [records, glances, delivered] = await Promise.all([
    readRecords(
      queues.connection,
      keys,
      candidates.map(({ id }) => id),
    ),
    glanceAtEvents(queues.connection, jobs),
    deliveredAttemptsOf(queues.connection, jobs),
  ]);
  const matchesType = query.type === undefined ? () => true : typeMatcher(query.type);
  const recordById = new Map<string, EventRecord | undefined>(
    candidates.map(({ id }, i) => [id, records[i]]),
  );
  const itemsById = new Map<string, EventListItem[]>(candidates.map(({ id }) => [id, []]));
  jobs.forEach(({ id, entry }, i) => {
    const glance = glances[i];
    if (!glance) return;
    const record = recordById.get(id);
    if (query.status !== undefined && glance.status !== query.status) return;
    if (!matchesType(record?.eventType)) return;
    itemsById.get(id)!.push(itemOf(id, entry, record, glance, delivered[i]));
  });
  return candidates.map(({ id }) => itemsById.get(id)!);
}

function itemOf(
  id: string,
  entry: DeliveryQueue,
  record: EventRecord | undefined,
  glance: EventGlance,
  delivered: AttemptRecord | undefined,
): EventListItem {
  const last = lastAttemptOf(glance, delivered);
  return {
    id,
    source: entry.source,
    destination: entry.destination,
    eventId: record?.eventId ?? null,
    eventType: record?.eventType ?? null,
    status: glance.status,
    receivedAt: new Date(record?.receivedAt ?? receivedAtOfId(id) ?? 0).toISOString(),
    attempts: glance.attemptsMade,
    lastStatus: last?.status ?? null,
    lastError: lastErrorOf(glance, last),
  };
}

/**
 * GET /api/events (docs/contract.md §6): events newest first, with cursor paging that stays
 * correct while events arrive (a cursor is an event id, and ids sort by the time they were
 * received: new events land above every cursor). Work per page is bounded: candidates come from
 * the indexes of the selected sources, `eventId` from its own index, `status=dead` from the dead
 * index; other filters are applied to at most SCAN_BUDGET candidates, and a page they leave short
 * still carries `next`.
 */
export async function listEvents(
  queues: DeliveryQueues,
  keys: EventLogKeys,
  query: EventQuery,
): Promise<EventPage> {
  const limit = query.limit ?? DEFAULT_EVENT_LIMIT;
  const selected = selection(queues, query);
  const items: EventListItem[] = [];
  let examined = 0;
  let lastId: string | undefined;

  const take = (batch: readonly Candidate[], described: EventListItem[][]): boolean => {
    for (const [i, eventItems] of described.entries()) {
      if (eventItems.length > 0 && items.length > 0 && items.length + eventItems.length > limit)
        return false;
      items.push(...eventItems);
      lastId = batch[i]!.id;
      examined += 1;
      if (items.length >= limit) return false;
    }
    return true;
  };

  if (query.eventId !== undefined) {
    const batch = await byProviderId(queues, keys, query, new Set(selected.keys()));
    const more = take(batch, await describe(queues, keys, selected, batch, query));
    const left = more ? false : batch.at(-1)?.id !== lastId;
    return { items, next: left ? lastId! : null };
  }

  const indexes = [...selected.keys()].flatMap((source) =>
    query.status === 'dead'
      ? [{ key: keys.dead(source), source }]
      : [
          { key: keys.bySource(source), source },
          { key: keys.dead(source), source },
        ],
  );
  const scan = new IndexScan(queues, indexes, bounds(query));
  const size = Math.min(Math.max(limit * 2, 100), SCAN_BUDGET);
  while (examined < SCAN_BUDGET) {
    const batch = await scan.next(Math.min(size, SCAN_BUDGET - examined));
    if (batch.length === 0) return { items, next: null };
    const more = take(batch, await describe(queues, keys, selected, batch, query));
    if (!more) {
      const left = batch.at(-1)!.id !== lastId || !scan.done;
      return { items, next: left ? lastId! : null };
    }
    if (scan.done) return { items, next: null };
  }
  return { items, next: lastId ?? null };
}
