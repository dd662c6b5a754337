export { startDeliveryWorkers, type DeliveryWorkers } from './delivery-workers.js';
export { breakerGuards, createBreaker } from './breaker.js';
export { createServer } from './server.js';
export { nextDelay, parseRetryAfter } from './backoff.js';
export { relaySigner } from './relay-signature.js';
