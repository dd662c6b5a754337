import { queueClassOf, type DeliveryJobData } from '@hookrelay/queue';
import { ReplayableJob } from './replay-job.js';

/** A delivery queue whose jobs are ReplayableJobs, so every retry path (ours and Bull Board's) replays the same way. */
export const ReplayableQueue = queueClassOf<DeliveryJobData>(ReplayableJob);
export type ReplayableQueue = InstanceType<typeof ReplayableQueue>;
