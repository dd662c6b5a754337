export * from './names.js';
export * from './job.js';
export { readDeliveryJob, UnreadableJobError } from './read-delivery-job.js';
export {
  blockingCopyOf,
  createRedis,
  describeRedis,
  type RedisAddress,
  type RedisClient,
  type ConnectionRole,
} from './connection.js';
export { baseJobOptions } from './job-options.js';
export { openDeliveryQueues, type DeliveryQueueHandle } from './delivery-queues.js';
export {
  EventInbox,
  Intake,
  InboxKeys,
  decodeInboxEntry,
  type IntakeOptions,
  type IntakeLog,
} from './inbox/index.js';
export { ReplicaBarrier, ReplicasUnconfirmedError } from './replicas.js';
export {
  EventEnqueuer,
  QueueUnavailableError,
  type Enqueuer,
  type EnqueueResult,
  type EnqueueOptions,
  type IncomingEvent,
} from './enqueue.js';
export {
  EVENT_STATUSES,
  eventStatusOf,
  countEvents,
  glanceAtEvents,
  type EventGlance,
  type EventStatus,
  type EventCounts,
} from './event-status.js';
export {
  attemptsMadeOf,
  createdAtOf,
  inFailedSet,
  failedSince,
  queueClassOf,
  glanceAt,
  type JobGlance,
} from './bullmq-internals.js';
export {
  deliveredAttemptOf,
  deliveredAttemptsOf,
  isSameAttempt,
  withCompletion,
} from './completion.js';
export { settleAll } from './settle-all.js';
export {
  watchRedisAvailability,
  redisConnectionFailure,
  type RedisAvailability,
  type AvailabilityLog,
} from './availability.js';
export {
  BREAKER_STATE_VALUE,
  breakerKey,
  breakerStateOf,
  breakerStatusOf,
  breakerStatusAt,
  breakerStateOfQueue,
  admitBreaker,
  recordBreaker,
  type BreakerState,
  type BreakerStatus,
  type BreakerSettings,
  type AdmitAnswer,
  type RecordAnswer,
} from './breaker-state.js';
export * from './event-log/index.js';
export * from './ordering/index.js';
