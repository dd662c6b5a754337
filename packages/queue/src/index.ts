export * from './names.js';
export * from './job.js';
export { createRedis, type RedisClient, type ConnectionRole } from './connection.js';
export { baseJobOptions } from './job-options.js';
export { openDeliveryQueues, type DeliveryQueueHandle } from './delivery-queues.js';
export {
  EventEnqueuer,
  QueueUnavailableError,
  type EnqueueResult,
  type EnqueueOptions,
  type IncomingEvent,
} from './enqueue.js';
