export {
  healthRoutes,
  redisAcceptsWrites,
  redisReachable,
  type HealthOptions,
  type RedisWriteCheck,
  type RedisProbe,
} from './health.js';
export { onShutdown } from './shutdown.js';
export { errorBody } from './error-body.js';
export {
  listenOrExit,
  cannotListenMessage,
  LAUNCHER_FLAG,
  type ListenOptions,
  type ListenReport,
} from './listen.js';
