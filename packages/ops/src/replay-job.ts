import { Job, type FinishedStatus, type RetryOptions } from 'bullmq';
import { presentFailure } from './failure-text.js';

/**
 * Priority given to replayed deliveries. BullMQ hands out every job of the plain wait list (fresh
 * events, priority 0) before any prioritized job, so replays run only when live traffic leaves a
 * worker slot free, and among themselves in the order they were replayed (same priority → FIFO).
 */
export const REPLAY_PRIORITY = 1_000;

/**
 * Written into the job log when an event is replayed, between its old and new attempt records.
 * `from` is the BullMQ state the job left (`failed` or `completed`); parseHistory presents it as
 * the event status (`dead` or `delivered`).
 */
export interface StoredReplayRecord {
  readonly replayedAt: number;
  readonly from: FinishedStatus;
}

/**
 * A delivery job whose `retry()` is a hookrelay replay, whoever calls it (ours, Bull Board's Retry
 * buttons): it goes again under the same job id, so the backend sees the same X-Hookrelay-Id, with
 * a marker in its log, a low priority and a fresh attempt budget. The job keeps its log, so if it
 * dies again its history holds the old and the new attempts. Throws (BullMQ's error) when the job
 * is no longer in `state`, e.g. replayed by someone else meanwhile.
 *
 * Every reader of the delivery queues (the ops API, the CLI, Bull Board) gets its jobs through
 * here, so this is also where a stored failure becomes the one line they all show (presentFailure).
 */
export class ReplayableJob extends Job {
  static override fromJSON<T = unknown, R = unknown, N extends string = string>(
    ...args: Parameters<typeof Job.fromJSON>
  ): Job<T, R, N> {
    const job = super.fromJSON<T, R, N>(...args);
    presentFailure(job);
    return job;
  }

  override async retry(state: FinishedStatus = 'failed', _options?: RetryOptions): Promise<void> {
    const record: StoredReplayRecord = { replayedAt: Date.now(), from: state };
    // Two independent writes, sent together so that Redis can fsync them as one (appendfsync always).
    // On a finished job changePriority only sets the priority field, which BullMQ reads when it re-queues it below.
    await Promise.all([
      this.log(JSON.stringify(record)),
      this.changePriority({ priority: REPLAY_PRIORITY }),
    ]);
    await super.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
  }
}

/** Replays a finished (dead or delivered) job read through a ReplayableQueue; see ReplayableJob. */
export async function replayFinishedJob(job: Job, from: FinishedStatus): Promise<void> {
  if (!(job instanceof ReplayableJob))
    throw new TypeError(`job ${job.id} was not read through a ReplayableQueue`);
  await job.retry(from);
}
