import {
  blockingCopyOf,
  FEED_FIELD,
  readFeedAttempt,
  type EventLogKeys,
  type FeedAttempt,
} from '@hookrelay/queue';
import type { DeliveryQueues } from '../delivery-queues.js';
import { readRecords } from './event-records.js';

/** What `hookrelay tail` prints a line for: an event received, or an attempt and what came of it. */
export type LiveEvent =
  | {
      readonly kind: 'received';
      readonly at: number;
      readonly id: string;
      readonly source: string;
      readonly eventId?: string;
      readonly eventType?: string;
    }
  | ({ readonly kind: 'attempt' } & FeedAttempt);

export interface FollowOptions {
  readonly source?: string;
  /** Stops following (the pending read is cut short). */
  readonly signal: AbortSignal;
  /** Called once the start point is fixed: everything after this is followed. */
  readonly onReady?: () => void;
}

/** Entries read per stream per round trip, and how long one read waits for news. */
const READ_COUNT = 500;
const BLOCK_MS = 1_000;
/** Received ids remembered so an event that fans out prints one `received` line. */
const REMEMBERED = 10_000;

type StreamEntry = [id: string, fields: string[]];

function field(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** Entry ids are `<ms>-<seq>` from one Redis clock: compare them as numbers. */
function compareEntryIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number) as [number, number];
  const [bMs, bSeq] = b.split('-').map(Number) as [number, number];
  return aMs - bMs || aSeq - bSeq;
}

/**
 * Follows live traffic across every process (docs/events.md): BullMQ's own event stream of each
 * selected queue gives the events received (its `added` entries, which cost the ingress nothing
 * more), the event log's feed gives each attempt. One blocking XREAD over all of them on a
 * connection of its own; calls `onEvent` in the order Redis took them, until `signal` aborts.
 */
export async function followEvents(
  queues: DeliveryQueues,
  keys: EventLogKeys,
  { source, signal, onReady }: FollowOptions,
  onEvent: (event: LiveEvent) => void,
): Promise<void> {
  const selected = queues.select(source);
  // Its own connection for the blocking read, queuing its first commands until it is connected
  // (the CLI's connection fails fast instead, and the copy would inherit that).
  const reader = blockingCopyOf(queues.connection);
  reader.on('error', () => undefined);
  // Once only: a second disconnect of a closed socket leaves an ioredis timer holding the process.
  const stop = () => {
    if (reader.status !== 'end') reader.disconnect();
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    const [seconds, micros] = await reader.time();
    const startMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const streams = [keys.feed(), ...selected.map((entry) => entry.queue.toKey('events'))];
    const sourceOf = new Map(selected.map((entry) => [entry.queue.toKey('events'), entry.source]));
    const last = streams.map(() => `${startMs}-0`);
    const seen = new Set<string>();
    onReady?.();
    while (!signal.aborted) {
      let answer: [string, StreamEntry[]][] | null;
      try {
        answer = (await reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...streams,
          ...last,
        )) as [string, StreamEntry[]][] | null;
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      if (!answer) continue;
      const news: { entryId: string; event: LiveEvent | { added: string; source: string } }[] = [];
      for (const [stream, entries] of answer) {
        const index = streams.indexOf(stream);
        if (entries.length > 0) last[index] = entries.at(-1)![0];
        for (const [entryId, fields] of entries) {
          if (stream === keys.feed()) {
            const attempt = readFeedAttempt(field(fields, FEED_FIELD) ?? '');
            if (attempt && (source === undefined || attempt.source === source))
              news.push({ entryId, event: { kind: 'attempt', ...attempt } });
          } else if (field(fields, 'event') === 'added') {
            const id = field(fields, 'jobId');
            if (id !== undefined && !seen.has(id)) {
              seen.add(id);
              if (seen.size > REMEMBERED) seen.delete(seen.values().next().value!);
              news.push({ entryId, event: { added: id, source: sourceOf.get(stream)! } });
            }
          }
        }
      }
      news.sort((a, b) => compareEntryIds(a.entryId, b.entryId));
      const added = news.flatMap(({ event }) => ('added' in event ? [event.added] : []));
      const records = new Map(
        (await readRecords(queues.connection, keys, added)).map((record, i) => [added[i]!, record]),
      );
      for (const { entryId, event } of news) {
        if (!('added' in event)) {
          onEvent(event);
          continue;
        }
        const record = records.get(event.added);
        onEvent({
          kind: 'received',
          at: Number(entryId.split('-')[0]),
          id: event.added,
          source: event.source,
          eventId: record?.eventId,
          eventType: record?.eventType,
        });
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    stop();
  }
}
