export { Ops } from './ops.js';
export type { DeliveryQueues, DeliveryQueue } from './delivery-queues.js';
export { OpsError, UnknownSourceError, InvalidFilterError } from './errors.js';
export { failureText } from './failure-text.js';
export type { SourceCounts, DestinationCounts } from './source-counts.js';
export {
  DEAD_LETTER_FILTERS,
  type DeadLetter,
  type DeadLetterPage,
  type DeadLetterQuery,
} from './dead-letters.js';
export type { ReplayOutcome, ReplayProgress, ReplaySelection } from './replay-dead-letters.js';
export {
  parseReplayRequest,
  DEFAULT_REPLAY_RATE,
  type ReplayRequest,
  type ReplayFilter,
} from './replay-filter.js';
export type { EventReplay, ReplayedDelivery } from './replay-event.js';
export { REPLAY_PRIORITY } from './replay-job.js';
export type { ReplayRecord, FinishedEventStatus, DeliveryHistory } from './history.js';
export type { PauseResult } from './pause.js';
export { connectRedis } from './connect.js';
