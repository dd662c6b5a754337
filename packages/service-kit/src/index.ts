export { healthRoutes, redisReachable } from './health.js';
export { onShutdown, closeAll } from './shutdown.js';
export { errorBody } from './error-body.js';
