import type { RedisClient } from '@hookrelay/queue';
import type { DeliveryQueue } from './delivery-queues.js';
import { pipelined, type Pipeline } from './pipelined.js';
import type { ReplayFilter } from './replay-filter.js';

/** Dead events of one queue that match a replay filter. */
export interface SelectedDeadLetters {
  readonly entry: DeliveryQueue;
  readonly ids: string[];
}

/** Every value of a pipelined read, or the first error. */
async function readAll<T>(
  connection: RedisClient,
  ids: readonly string[],
  add: (pipeline: Pipeline, id: string) => void,
  read: (value: unknown) => T,
): Promise<T[]> {
  return (await pipelined(connection, ids, add)).map(([error, value]) => {
    if (error) throw error;
    return read(value);
  });
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
  const failedKey = entry.queue.toKey('failed');
  let ids: string[];
  if (filter.ids) {
    const wanted = [...filter.ids];
    const scores = await readAll(
      connection,
      wanted,
      (p, id) => p.zscore(failedKey, id),
      (score) => score !== null,
    );
    ids = wanted.filter((_, i) => scores[i]);
  } else {
    ids = await connection.zrangebyscore(failedKey, filter.sinceMs ?? '-inf', '+inf');
  }
  if (filter.sinceMs !== undefined || filter.untilMs !== undefined) {
    const since = filter.sinceMs ?? 0;
    const until = filter.untilMs ?? Number.POSITIVE_INFINITY;
    const received = await readAll(
      connection,
      ids,
      (p, id) => p.hget(entry.queue.toKey(id), 'timestamp'),
      Number,
    );
    ids = ids.filter((_, i) => received[i]! >= since && received[i]! <= until);
  }
  return { entry, ids };
}
