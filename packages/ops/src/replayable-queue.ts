import { Job, Queue, type FinishedStatus, type RetryOptions } from 'bullmq';
import type { DeliveryJobData } from '@hookrelay/queue';
import { replayFinishedJob } from './replay-job.js';

/** A delivery job whose `retry()` is a hookrelay replay (Bull Board's Retry buttons call it). */
export class ReplayableJob extends Job {
  override async retry(state: FinishedStatus = 'failed', _options?: RetryOptions): Promise<void> {
    await replayFinishedJob(this, state);
  }
}

/** A delivery queue whose jobs are ReplayableJobs, so every retry path (ours and Bull Board's) replays the same way. */
export class ReplayableQueue extends Queue<DeliveryJobData> {
  protected override get Job(): typeof Job {
    // BullMQ types the Job class generically; ReplayableJob only overrides retry().
    return ReplayableJob as unknown as typeof Job;
  }
}
