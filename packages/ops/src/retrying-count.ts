import type { Queue } from 'bullmq';
import type { RedisClient } from '@hookrelay/queue';

const BATCH = 1_000;

/**
 * How many delayed jobs are waiting for a retry (at least one failed attempt), as opposed to events
 * held by `event.delayUntil`. Reads BullMQ's `atm` (attempts made) field in pipelined batches.
 */
export async function countRetrying(connection: RedisClient, queue: Queue): Promise<number> {
  const ids = await connection.zrange(queue.toKey('delayed'), 0, -1);
  let retrying = 0;
  for (let start = 0; start < ids.length; start += BATCH) {
    const pipeline = connection.pipeline();
    for (const id of ids.slice(start, start + BATCH)) pipeline.hget(queue.toKey(id), 'atm');
    const results = (await pipeline.exec()) ?? [];
    for (const [error, attemptsMade] of results) {
      if (!error && Number(attemptsMade) >= 1) retrying += 1;
    }
  }
  return retrying;
}
