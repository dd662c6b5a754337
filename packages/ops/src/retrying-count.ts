import type { Queue } from 'bullmq';
import type { RedisClient } from '@hookrelay/queue';
import { pipelined } from './pipelined.js';

/**
 * How many delayed jobs are waiting for a retry (at least one failed attempt), as opposed to events
 * held by `event.delayUntil`. Reads BullMQ's `atm` (attempts made) field in pipelined batches.
 */
export async function countRetrying(connection: RedisClient, queue: Queue): Promise<number> {
  const ids = await connection.zrange(queue.toKey('delayed'), 0, -1);
  const results = await pipelined(connection, ids, (pipeline, id) =>
    pipeline.hget(queue.toKey(id), 'atm'),
  );
  return results.filter(([error, attemptsMade]) => !error && Number(attemptsMade) >= 1).length;
}
