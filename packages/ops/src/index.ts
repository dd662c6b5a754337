export { Ops } from './ops.js';
export type { DeliveryQueues, DeliveryQueue } from './delivery-queues.js';
export {
  OpsError,
  UnknownSourceError,
  InvalidFilterError,
  UnknownEventError,
  AmbiguousEventError,
  EventNotFinishedError,
  ReplicasUnconfirmedReplayError,
} from './errors.js';
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
export {
  EVENT_FILTERS,
  DEFAULT_EVENT_LIMIT,
  MAX_EVENT_LIMIT,
  SCAN_BUDGET,
  parseEventQuery,
  type EventQuery,
  type EventFilterInput,
  type EventListItem,
  type EventPage,
  type EventDetail,
  type EventDelivery,
  type LiveEvent,
  type FollowOptions,
} from './events/index.js';
export type { AttemptRecord } from '@hookrelay/queue';
