import { maskUrlPassword } from '@hookrelay/config';
import { describeRedis, type RedisAddress, type RedisClient } from './connection.js';

/** The two logger methods used; @hookrelay/logger's Logger fits. */
export interface AvailabilityLog {
  warn(message: string, fields: Record<string, unknown>): unknown;
  info(message: string, fields: Record<string, unknown>): unknown;
}

export interface RedisAvailability {
  /**
   * An 'error' listener for a BullMQ Queue, FlowProducer or Worker on this Redis: connection
   * errors count toward the outage already reported; any other error goes to `otherwise`.
   */
  listener(otherwise: (error: Error) => void): (error: Error) => void;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);
/** ioredis's own errors for a connection that is gone or cannot be made. */
const CONNECTION_ERRORS = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/** The short reason a connection error stands for (`ECONNREFUSED`), or undefined for any other error. */
export function redisConnectionFailure(error: Error): string | undefined {
  const first = error instanceof AggregateError ? (error.errors[0] as Error | undefined) : error;
  const code = (first as NodeJS.ErrnoException | undefined)?.code;
  if (code && CONNECTION_CODES.has(code)) return code;
  if (CONNECTION_ERRORS.has(error.name)) return error.message;
  if (error.message.includes('Connection is closed')) return 'connection closed';
  return undefined;
}

/**
 * One warn line when Redis becomes unreachable (address with its password masked, and why) and one
 * info line when it is back, instead of a line or a stack trace per reconnect attempt (README
 * "The two commands": an expected condition, not a crash). Follows the client's 'error' and 'ready'
 * events; BullMQ objects on the same Redis join through `listener`.
 *
 * Any error while the client is not ready is part of the outage: besides refused connections, a
 * server that accepts and hangs up fails the ready check ("Stream isn't writeable…"), and a wrong
 * password fails it with WRONGPASS; each would otherwise repeat on every reconnect attempt.
 */
export function watchRedisAvailability(
  client: RedisClient,
  config: RedisAddress,
  log: AvailabilityLog,
): RedisAvailability {
  const redis = describeRedis(config);
  let lostAt: number | undefined;
  const lost = (error: Error) => {
    if (lostAt !== undefined) return;
    lostAt = Date.now();
    const reason = redisConnectionFailure(error) ?? maskUrlPassword(error.message, '***');
    log.warn('redis unavailable', { redis, reason });
  };
  client.on('error', (error: Error) => {
    if (client.status !== 'ready' || redisConnectionFailure(error)) lost(error);
    else log.warn('redis error', { redis, reason: maskUrlPassword(error.message, '***') });
  });
  client.on('ready', () => {
    if (lostAt === undefined) return;
    log.info('redis available again', { redis, unavailableMs: Date.now() - lostAt });
    lostAt = undefined;
  });
  return {
    listener: (otherwise) => (error) => {
      if (client.status !== 'ready') return lost(error);
      // Once the client is back, a side connection's late connection error is no new outage:
      // BullMQ reconnects it. Anything else is the caller's to report.
      if (redisConnectionFailure(error) === undefined) otherwise(error);
    },
  };
}
