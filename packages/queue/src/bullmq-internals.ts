import { Queue, type Job, type JobState, type QueueOptions } from 'bullmq';
import type { RedisClient } from './connection.js';
import { OrderKeys } from './ordering/keys.js';
import { orderCommands } from './ordering/scripts.js';
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

/** One job as the event log lists it, read without its payload. */
export interface JobGlance {
  /** `waiting` stands for any of BullMQ's waiting lists (wait, prioritized, paused). */
  readonly state: Extract<JobState, 'waiting' | 'delayed' | 'active' | 'completed' | 'failed'>;
  /** BullMQ's `attemptsMade`: attempts since the event was received or last replayed. */
  readonly attemptsMade: number;
  /**
   * Delayed and in its queue's parked set (docs/ordering.md): an ordered event waiting for its
   * key's turn, not a scheduled event nor a retry.
   */
  readonly parked: boolean;
  readonly finishedOn?: number;
  /** The stored failure line (set once an attempt failed; kept after a later success). */
  readonly failedReason?: string;
  /** The last two lines of the job's log (attempt records, replay markers), oldest first. */
  readonly lastLogLines: string[];
}

/** Commands per job in glanceAt's pipeline. */
const GLANCE_COMMANDS = 7;

/**
 * Each job's state and last log lines, in one pipelined round trip, without its payload:
 * `undefined` for a job that is gone. Seven O(1) or O(log n) commands per job: the hash's small
 * fields, ZSCOREs in the failed, completed and delayed sets, the lock an active job holds, the tail
 * of its log, and a SISMEMBER in the queue's parked set (hookrelay's, not BullMQ's: an ordered
 * event waiting for its key's turn sits in the delayed set, docs/ordering.md). A job in none of
 * those sets and holding no lock is waiting (BullMQ's wait, prioritized or paused list), which is
 * not searched: LPOS on a list is O(n).
 */
export async function glanceAt(
  connection: RedisClient,
  jobs: readonly { readonly queue: Queue; readonly id: string }[],
): Promise<(JobGlance | undefined)[]> {
  const pipeline = connection.pipeline();
  for (const { queue, id } of jobs) {
    const key = queue.toKey(id);
    pipeline
      .hmget(key, 'timestamp', 'atm', 'attemptsMade', 'finishedOn', 'failedReason')
      .zscore(queue.toKey('failed'), id)
      .zscore(queue.toKey('completed'), id)
      .zscore(queue.toKey('delayed'), id)
      .exists(`${key}:lock`)
      .lrange(`${key}:logs`, -2, -1)
      .sismember(new OrderKeys(queue).parked(), id);
  }
  const answers = jobs.length === 0 ? [] : ((await pipeline.exec()) ?? []);
  return jobs.map((_, i) => {
    const values = answers
      .slice(i * GLANCE_COMMANDS, (i + 1) * GLANCE_COMMANDS)
      .map(([error, value]) => {
        if (error) throw error;
        return value;
      });
    const [fields, failed, completed, delayed, locked, logLines, inParkedSet] = values as [
      (string | null)[],
      string | null,
      string | null,
      string | null,
      number,
      string[],
      number,
    ];
    const [timestamp, atm, legacyAtm, finishedOn, failedReason] = fields;
    if (timestamp === null) return undefined;
    const attemptsMade = Number(legacyAtm || atm || 0);
    const state: JobGlance['state'] =
      failed !== null
        ? 'failed'
        : completed !== null
          ? 'completed'
          : locked === 1
            ? 'active'
            : delayed !== null
              ? 'delayed'
              : 'waiting';
    return {
      state,
      attemptsMade,
      // A promoted or claimed event may linger in the set a moment: only a delayed one is parked.
      parked: state === 'delayed' && inParkedSet === 1,
      finishedOn: finishedOn ? Number(finishedOn) : undefined,
      failedReason: failedReason || undefined,
      lastLogLines: logLines,
    };
  });
}

/** A MULTI that BullMQ's own job inserts can join (`Job#addJob`), and ioredis commands too. */
export type JobTransaction = ReturnType<RedisClient['multi']>;

/**
 * A MULTI on the queue's connection as BullMQ wraps it (its `runCommand` on top of ioredis's
 * commands): `new Job(queue, …).addJob(multi)` queues BullMQ's insert script in it, as its
 * FlowProducer does, beside whatever else the caller queues — the ordering scripts too (a MULTI
 * carries the scripts its connection had when it was made).
 */
export async function jobTransaction(queue: Queue): Promise<JobTransaction> {
  const client = (await queue.getBackend().client) as unknown as RedisClient;
  orderCommands(client);
  return client.multi();
}

/** Queues the ordering JOIN script (ordering/scripts.ts) in a jobTransaction. */
export function joinLine(multi: JobTransaction, line: string, job: string, id: string): void {
  (multi as unknown as { hookrelayOrderJoin(...args: string[]): unknown }).hookrelayOrderJoin(
    line,
    job,
    id,
  );
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
