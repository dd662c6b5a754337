import type { RedisClient } from '@hookrelay/queue';
import type { DeliveryQueue } from './delivery-queues.js';
import type { ReplayFilter } from './replay-filter.js';

const BATCH = 1_000;

/** Dead events of one queue that match a replay filter. */
export interface SelectedDeadLetters {
  readonly entry: DeliveryQueue;
  readonly ids: string[];
}

async function pipelined<T>(
  connection: RedisClient,
  ids: readonly string[],
  add: (pipeline: ReturnType<RedisClient['pipeline']>, id: string) => void,
  read: (value: unknown) => T,
): Promise<T[]> {
  const values: T[] = [];
  for (let start = 0; start < ids.length; start += BATCH) {
    const pipeline = connection.pipeline();
    for (const id of ids.slice(start, start + BATCH)) add(pipeline, id);
    for (const [error, value] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      values.push(read(value));
    }
  }
  return values;
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
    const scores = await pipelined(
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
    const received = await pipelined(
      connection,
      ids,
      (p, id) => p.hget(entry.queue.toKey(id), 'timestamp'),
      Number,
    );
    ids = ids.filter((_, i) => received[i]! >= since && received[i]! <= until);
  }
  return { entry, ids };
}
