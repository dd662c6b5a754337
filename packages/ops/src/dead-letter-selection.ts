import { createdAtOf, failedSince, inFailedSet, type RedisClient } from '@hookrelay/queue';
import type { DeliveryQueue } from './delivery-queues.js';
import type { ReplayFilter } from './replay-filter.js';

/** Dead events of one queue that match a replay filter. */
export interface SelectedDeadLetters {
  readonly entry: DeliveryQueue;
  readonly ids: string[];
}

/**
 * The ids in a queue's dead-letter (failed) set that pass the filter. Reads ids and timestamps only,
 * never payloads. The time window is on when the event was received (the job's creation time); an
 * event dies after it was received, so only jobs that died at or after `since` are looked at.
 */
export async function selectDeadLetters(
  connection: RedisClient,
  entry: DeliveryQueue,
  filter: ReplayFilter,
): Promise<SelectedDeadLetters> {
  const { queue } = entry;
  let ids: string[];
  if (filter.ids) {
    const wanted = [...filter.ids];
    const dead = await inFailedSet(connection, queue, wanted);
    ids = wanted.filter((_, i) => dead[i]);
  } else {
    ids = await failedSince(connection, queue, filter.sinceMs);
  }
  if (filter.sinceMs !== undefined || filter.untilMs !== undefined) {
    const since = filter.sinceMs ?? 0;
    const until = filter.untilMs ?? Number.POSITIVE_INFINITY;
    const received = await createdAtOf(connection, queue, ids);
    ids = ids.filter((_, i) => received[i]! >= since && received[i]! <= until);
  }
  return { entry, ids };
}
