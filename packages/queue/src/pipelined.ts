import type { RedisClient } from './connection.js';

const BATCH = 1_000;

export type Pipeline = ReturnType<RedisClient['pipeline']>;

/**
 * One command per id, sent in pipelined batches of 1,000 (one round trip each, bounded memory);
 * returns each command's `[error, value]` in id order, for the caller to judge.
 */
export async function pipelined(
  connection: RedisClient,
  ids: readonly string[],
  add: (pipeline: Pipeline, id: string) => void,
): Promise<[Error | null, unknown][]> {
  const results: [Error | null, unknown][] = [];
  for (let start = 0; start < ids.length; start += BATCH) {
    const pipeline = connection.pipeline();
    for (const id of ids.slice(start, start + BATCH)) add(pipeline, id);
    results.push(...((await pipeline.exec()) ?? []));
  }
  return results;
}
