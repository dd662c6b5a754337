import { Queue, type Job, type QueueOptions } from 'bullmq';
import type { RedisClient } from './connection.js';
import { pipelined, type Pipeline } from './pipelined.js';

/*
 * Everything hookrelay takes from BullMQ beyond its public API, in this one file: fields of the
 * job hash, the score of the failed set, and the protected `Job` getter. Public API would read
 * whole jobs, payloads included, where these read one field. test/bullmq-internals.test.ts checks
 * each of them against a real Redis and fails when a BullMQ upgrade changes one; bullmq is pinned
 * to one minor version (~6.7.0) so that an upgrade is a deliberate change that runs that test.
 */

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
 * Attempts made by each job (BullMQ's `attemptsMade`, hash field `atm`; `attemptsMade` in jobs
 * of older BullMQ versions, as BullMQ itself reads it), without its payload; 0 for a missing job.
 */
export function attemptsMadeOf(
  connection: RedisClient,
  queue: Queue,
  ids: readonly string[],
): Promise<number[]> {
  return readAll(
    connection,
    ids,
    (pipeline, id) => pipeline.hmget(queue.toKey(id), 'atm', 'attemptsMade'),
    (value) => {
      const [atm, legacy] = value as [string | null, string | null];
      return Number(legacy || atm || 0);
    },
  );
}

/** When each job was created (BullMQ's `Job#timestamp`, hash field `timestamp`), without its payload; NaN for a missing job. */
export function createdAtOf(
  connection: RedisClient,
  queue: Queue,
  ids: readonly string[],
): Promise<number[]> {
  return readAll(
    connection,
    ids,
    (pipeline, id) => pipeline.hget(queue.toKey(id), 'timestamp'),
    (value) => (value === null ? Number.NaN : Number(value)),
  );
}

/** Which of `ids` are in the queue's failed set (a sorted set of job ids), in one round trip per 1,000. */
export function inFailedSet(
  connection: RedisClient,
  queue: Queue,
  ids: readonly string[],
): Promise<boolean[]> {
  return readAll(
    connection,
    ids,
    (pipeline, id) => pipeline.zscore(queue.toKey('failed'), id),
    (score) => score !== null,
  );
}

/** Ids in the queue's failed set that failed at or after `sinceMs` (the set is scored by `finishedOn`). */
export function failedSince(
  connection: RedisClient,
  queue: Queue,
  sinceMs: number | undefined,
): Promise<string[]> {
  return connection.zrangebyscore(queue.toKey('failed'), sinceMs ?? '-inf', '+inf');
}

/**
 * A Queue class whose jobs, as its getters hand them out (getJob, getJobs, getFailed… and so Bull
 * Board's), are instances of `JobClass`: BullMQ builds them through its protected `Job` getter,
 * which it documents as the "helper to easily extend Job class calls".
 */
export function queueClassOf<DataType>(
  JobClass: new (...args: never[]) => Job,
): new (name: string, options: QueueOptions) => Queue<DataType> {
  // BullMQ types its Job class generically; a subclass of it is not, hence the cast.
  const jobClass = JobClass as unknown as typeof Job;
  return class extends Queue<DataType> {
    protected override get Job(): typeof Job {
      return jobClass;
    }
  };
}
