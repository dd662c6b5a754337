export { Ops } from './ops.js';
export { DeliveryQueues, type DeliveryQueue } from './delivery-queues.js';
export { ReplayableQueue, ReplayableJob } from './replayable-queue.js';
export {
  OpsError,
  UnknownSourceError,
  InvalidFilterError,
  UnknownEventError,
  EventNotFinishedError,
  RedisUnavailableError,
} from './errors.js';
export { sourceCounts, type SourceCounts, type DestinationCounts } from './source-counts.js';
export {
  listDeadLetters,
  checkLimit,
  DEFAULT_DEAD_LETTER_LIMIT,
  MAX_DEAD_LETTER_LIMIT,
  type DeadLetter,
  type DeadLetterPage,
  type DeadLetterQuery,
} from './dead-letters.js';
export {
  replayDeadLetters,
  type ReplayOutcome,
  type ReplayProgress,
} from './replay-dead-letters.js';
export {
  parseReplayRequest,
  resolveReplayFilter,
  resolveInstant,
  DEFAULT_REPLAY_RATE,
  MAX_REPLAY_RATE,
  type ReplayRequest,
  type ReplayFilter,
} from './replay-filter.js';
export { replayEvent, type EventReplay, type ReplayedDelivery } from './replay-event.js';
export {
  replayFinishedJob,
  REPLAY_PRIORITY,
  type ReplayRecord,
  type FinishedState,
} from './replay-job.js';
export { parseHistory, type DeliveryHistory } from './history.js';
export { pauseSource, resumeSource, type PauseResult } from './pause.js';
export { connectRedis, describeRedis } from './connect.js';
