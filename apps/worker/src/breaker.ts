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
 * How long Redis saying `closed` lets this process admit attempts without asking again. Busy, it
 * hears Redis far more often (each count it sends is answered with the state); idle, the next
 * attempt asks. So a breaker another process opened holds this one back at most this long later.
 */
export const CLOSED_TRUST_MS = 250;

/**
 * How long the successes seen while the breaker is closed wait to be counted in Redis, all in one
 * call (the next failure takes them along at once). Successes only ever lower the failure rate.
 */
export const SUCCESS_BATCH_MS = 100;

/**
 * The circuit breaker of one destination in this worker process (docs/contract.md §5 "Protecting
 * the backend"; README "Circuit breaker"): its state lives in Redis (see @hookrelay/queue
 * breaker-state), shared by every worker process; this side asks before each attempt, counts each
 * outcome, and logs and counts each change it makes. A retryable failure (5xx, timeout, connection
 * error, 408/425/429) counts as a failure; a delivery or a rejection (other 4xx) as a success.
 * With `breaker: false` it admits everything and counts nothing.
 *
 * Redis errors never hold deliveries back: admit lets the attempt go, record drops the count.
 *
 * While the breaker is closed nothing needs a round trip per attempt: a `closed` answer from Redis
 * is trusted for CLOSED_TRUST_MS, and successes are counted together every SUCCESS_BATCH_MS. A
 * failure, and every outcome while the breaker is not known to be closed, is counted at once.
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
  /** Until when Redis's last `closed` is trusted (0: not closed, or not known to be). */
  let trustedUntil = 0;
  /** Successes seen while trusted closed, not counted in Redis yet. */
  let pending = 0;
  let batch: NodeJS.Timeout | undefined;
  const learn = (state: string | undefined) => {
    trustedUntil = state === 'closed' ? Date.now() + CLOSED_TRUST_MS : 0;
  };

  /** Counts `failed` (after the pending successes) and logs the change it made. */
  const count = async (failed: boolean): Promise<void> => {
    const earlier = pending;
    pending = 0;
    try {
      const answer = await recordBreaker(
        redis,
        key,
        token,
        failed,
        settings,
        destination.retry.maxDelayMs,
        earlier,
      );
      learn(answer.state);
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
      learn(undefined);
      logger.warn('breaker unavailable', { ...names, reason: (error as Error).message });
    }
  };

  const sendBatch = () => {
    batch = undefined;
    if (pending > 0) {
      pending -= 1;
      void count(false);
    }
  };

  return {
    async admit() {
      if (Date.now() < trustedUntil) return { ok: true };
      try {
        const answer = await admitBreaker(redis, key, token, leaseMs);
        learn(answer.state);
        if (!answer.ok) return answer;
        if (answer.halfOpened) {
          logger.info('breaker half-open', { ...names, probe: true });
          metrics.breakerTransition(source, destination.name, 'half-open');
        }
      } catch (error) {
        learn(undefined);
        logger.warn('breaker unavailable', { ...names, reason: (error as Error).message });
      }
      return { ok: true };
    },
    async record(result) {
      const failed = result.kind === 'retry';
      if (!failed && Date.now() < trustedUntil) {
        pending += 1;
        batch ??= setTimeout(sendBatch, SUCCESS_BATCH_MS).unref();
        return;
      }
      await count(failed);
    },
  };
}

/** A circuit breaker for each (source, destination): the `guardFor` of startDeliveryWorkers. */
export function breakerGuards(options: Omit<BreakerOptions, 'source' | 'destination'>): GuardFor {
  return (source, destination) => createBreaker({ ...options, source: source.name, destination });
}
