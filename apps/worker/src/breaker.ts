import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DestinationConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { DeliveryMetrics } from '@hookrelay/metrics';
import { admitBreaker, breakerKey, recordBreaker, type RedisClient } from '@hookrelay/queue';
import { NO_GUARD, type DestinationGuard, type GuardFor } from './destination-guard.js';

export interface BreakerOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly source: string;
  readonly destination: DestinationConfig;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly metrics: Pick<DeliveryMetrics, 'breakerTransition'>;
}

/** How long the probe is one process's before another may take it over (its worker may have died). */
const PROBE_LEASE_MARGIN_MS = 5_000;

/**
 * The circuit breaker of one destination in this worker process (docs/contract.md §5 "Protecting
 * the backend"; README "Circuit breaker"): its state lives in Redis (see @hookrelay/queue
 * breaker-state), shared by every worker process; this side asks before each attempt, counts each
 * outcome, and logs and counts each change it makes. A retryable failure (5xx, timeout, connection
 * error, 408/425/429) counts as a failure; a delivery or a rejection (other 4xx) as a success.
 * With `breaker: false` it admits everything and counts nothing.
 *
 * Redis errors never hold deliveries back: admit lets the attempt go, record drops the count.
 */
export function createBreaker({
  redis,
  prefix,
  source,
  destination,
  logger,
  metrics,
}: BreakerOptions): DestinationGuard {
  const settings = destination.breaker;
  if (settings === false) return NO_GUARD;
  const key = breakerKey(prefix, source, destination.name);
  const token = `${hostname()}:${process.pid}:${randomUUID()}`;
  const leaseMs = destination.timeoutMs + PROBE_LEASE_MARGIN_MS;
  const names = { source, destination: destination.name };
  return {
    async admit() {
      try {
        const answer = await admitBreaker(redis, key, token, leaseMs);
        if (!answer.ok) return answer;
        if (answer.halfOpened) {
          logger.info('breaker half-open', { ...names, probe: true });
          metrics.breakerTransition(source, destination.name, 'half-open');
        }
      } catch (error) {
        logger.warn('breaker unavailable', { ...names, reason: (error as Error).message });
      }
      return { ok: true };
    },
    async record(result) {
      try {
        const answer = await recordBreaker(
          redis,
          key,
          token,
          result.kind === 'retry',
          settings,
          destination.retry.maxDelayMs,
        );
        if (answer.transition === 'open') {
          logger.warn('breaker opened', {
            ...names,
            failureRate: Math.round((answer.failures / answer.requests) * 1000) / 1000,
            requests: answer.requests,
            cooldownMs: answer.cooldownMs,
          });
          metrics.breakerTransition(source, destination.name, 'open');
        } else if (answer.transition === 'closed') {
          logger.info('breaker closed', names);
          metrics.breakerTransition(source, destination.name, 'closed');
        }
      } catch (error) {
        logger.warn('breaker unavailable', { ...names, reason: (error as Error).message });
      }
    },
  };
}

/** A circuit breaker for each (source, destination): the `guardFor` of startDeliveryWorkers. */
export function breakerGuards(options: Omit<BreakerOptions, 'source' | 'destination'>): GuardFor {
  return (source, destination) => createBreaker({ ...options, source: source.name, destination });
}
