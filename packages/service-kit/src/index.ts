export {
  healthRoutes,
  redisAcceptsWrites,
  redisReachable,
  type HealthOptions,
  type RedisWriteCheck,
} from './health.js';
export { onShutdown, closeAll } from './shutdown.js';
export { errorBody } from './error-body.js';
