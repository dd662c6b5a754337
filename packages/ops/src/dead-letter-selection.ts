import { createdAtOf, failedSince, type RedisClient } from '@hookrelay/queue';
import type { DeliveryQueue } from './delivery-queues.js';
import { matchDead } from './provider-ids.js';
import type { ReplayFilter } from './replay-filter.js';

/** Dead events of one queue that match a replay filter. */
export interface SelectedDeadLetters {
  readonly entry: DeliveryQueue;
  readonly ids: string[];
}

export interface DeadLetterSelection {
  readonly selected: SelectedDeadLetters[];
  /** The filter's ids that no dead event of the selected queues answers to. */
  readonly unmatched: string[];
}

/**
 * The ids in each queue's dead-letter (failed) set that pass the filter. Without `ids`, reads ids
 * and timestamps only, never payloads; each of `ids` is a hookrelay id or a provider event id (see
 * matchDead, which reads dead jobs whole for the latter). The time window is on when the event was
 * received (the job's creation time); an event dies after it was received, so only jobs that died
 * at or after `since` are looked at.
 */
export async function selectDeadLetters(
  connection: RedisClient,
  entries: readonly DeliveryQueue[],
  filter: ReplayFilter,
): Promise<DeadLetterSelection> {
  let candidates: Map<DeliveryQueue, string[]>;
  let unmatched: string[] = [];
  if (filter.ids) {
    const match = await matchDead(connection, entries, [...filter.ids], {
      deadSinceMs: filter.sinceMs,
    });
    candidates = match.ids;
    unmatched = match.unmatched;
  } else {
    candidates = new Map(
      await Promise.all(
        entries.map(
          async (entry) =>
            [entry, await failedSince(connection, entry.queue, filter.sinceMs)] as const,
        ),
      ),
    );
  }
  const selected = await Promise.all(
    entries.map(async (entry) => ({
      entry,
      ids: await inWindow(connection, entry, candidates.get(entry) ?? [], filter),
    })),
  );
  return { selected, unmatched };
}

async function inWindow(
  connection: RedisClient,
  { queue }: DeliveryQueue,
  ids: string[],
  { sinceMs, untilMs }: ReplayFilter,
): Promise<string[]> {
  if (sinceMs === undefined && untilMs === undefined) return ids;
  const since = sinceMs ?? 0;
  const until = untilMs ?? Number.POSITIVE_INFINITY;
  const received = await createdAtOf(connection, queue, ids);
  return ids.filter((_, i) => received[i]! >= since && received[i]! <= until);
}
