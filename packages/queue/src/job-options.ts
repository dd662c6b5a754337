import type { JobsOptions } from 'bullmq';
import type { DestinationConfig, HookrelayConfig } from '@hookrelay/config';
import { BACKOFF_STRATEGY } from './names.js';

/** Options shared by every job of one destination, computed once at start-up. */
export function baseJobOptions(
  destination: DestinationConfig,
  retention: HookrelayConfig['retention'],
): JobsOptions {
  return {
    attempts: destination.retry.attempts,
    backoff: { type: BACKOFF_STRATEGY },
    removeOnComplete: { age: Math.ceil(retention.deliveredMs / 1000) },
    removeOnFail: { age: Math.ceil(retention.deadMs / 1000) },
  };
}
