import type { Queue } from 'bullmq';
import type { RedisClient } from './connection.js';
import type { AttemptRecord } from './job.js';

/*
 * Where a delivery job's attempts are kept (docs/events.md). Every attempt that did not deliver is
 * a line of the job's log, written before the job moves on. The attempt that delivered is the
 * job's return value: BullMQ writes it with the completion, in the call that also fetches the
 * worker's next job, so a delivery costs no round trip of its own for its record. A replay of a
 * delivered job first copies that record into the log (BullMQ drops the return value when it
 * queues the job again), then writes its marker; so the log, then the return value, is every
 * attempt in the order it was made.
 *
 * Jobs delivered by a hookrelay from before this kept the delivered record in the log; their
 * return value (`{status, attempt, durationMs}`) is no record and is ignored.
 */

/** The delivered attempt's record a job's return value holds, or undefined when it holds none. */
export function deliveredAttemptOf(returnValue: unknown): AttemptRecord | undefined {
  if (typeof returnValue !== 'object' || returnValue === null) return undefined;
  const record = returnValue as Record<string, unknown>;
  return record.outcome === 'delivered' &&
    typeof record.attempt === 'number' &&
    typeof record.at === 'number' &&
    typeof record.durationMs === 'number'
    ? (returnValue as AttemptRecord)
    : undefined;
}

/** Two records of one attempt: a delivered record and its copy made by a replay. */
export function isSameAttempt(a: AttemptRecord, b: AttemptRecord): boolean {
  return a.attempt === b.attempt && a.at === b.at && a.outcome === b.outcome;
}

/**
 * A job's attempts, oldest first: those of its log (already parsed), then the delivered one its
 * return value holds, unless the log holds it already (a replay copied it an instant before
 * BullMQ dropped the return value).
 */
export function withCompletion(
  logged: readonly AttemptRecord[],
  returnValue: unknown,
): AttemptRecord[] {
  const delivered = deliveredAttemptOf(returnValue);
  if (!delivered || logged.some((record) => isSameAttempt(record, delivered))) return [...logged];
  return [...logged, delivered];
}

/**
 * Each job's delivered-attempt record (its return value, BullMQ's `returnvalue` hash field), in one
 * pipelined round trip, without its payload: undefined for a job not delivered, gone, or delivered
 * by a hookrelay from before the record was kept there. Only a completed job has a return value.
 */
export async function deliveredAttemptsOf(
  connection: RedisClient,
  jobs: readonly { readonly queue: Queue; readonly id: string }[],
): Promise<(AttemptRecord | undefined)[]> {
  if (jobs.length === 0) return [];
  const pipeline = connection.pipeline();
  for (const { queue, id } of jobs) pipeline.hget(queue.toKey(id), 'returnvalue');
  const answers = (await pipeline.exec()) ?? [];
  return answers.map(([error, value]) => {
    if (error) throw error;
    if (typeof value !== 'string') return undefined;
    try {
      return deliveredAttemptOf(JSON.parse(value));
    } catch {
      return undefined;
    }
  });
}
