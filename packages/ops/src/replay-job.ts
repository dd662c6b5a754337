import { Job } from 'bullmq';

/**
 * Priority given to replayed deliveries. BullMQ hands out every job of the plain wait list (fresh
 * events, priority 0) before any prioritized job, so replays run only when live traffic leaves a
 * worker slot free, and among themselves in the order they were replayed (same priority → FIFO).
 */
export const REPLAY_PRIORITY = 1_000;

/** Written into the job log when an event is replayed, between its old and new attempt records. */
export interface ReplayRecord {
  readonly replayedAt: number;
  /** The state the event was replayed from: `failed` (dead-lettered) or `completed` (delivered). */
  readonly from: FinishedState;
}

export type FinishedState = 'failed' | 'completed';

/**
 * Sends a finished (dead or delivered) delivery again under the same job id, so the backend sees
 * the same X-Hookrelay-Id: a marker in its log, a low priority, a fresh attempt budget. The job
 * keeps its log, so if it dies again its history holds the old and the new attempts.
 * Throws (BullMQ's error) when the job is no longer in `from`, e.g. replayed by someone else meanwhile.
 */
export async function replayFinishedJob(
  job: Job,
  from: FinishedState,
  now = Date.now(),
): Promise<void> {
  const record: ReplayRecord = { replayedAt: now, from };
  // Two independent writes, sent together so that Redis can fsync them as one (appendfsync always).
  // On a finished job changePriority only sets the priority field, which BullMQ reads when it re-queues it below.
  await Promise.all([
    job.log(JSON.stringify(record)),
    job.changePriority({ priority: REPLAY_PRIORITY }),
  ]);
  // Job.prototype: ReplayableJob overrides retry() to call this very function.
  await Job.prototype.retry.call(job, from, {
    resetAttemptsMade: true,
    resetAttemptsStarted: true,
  });
}
