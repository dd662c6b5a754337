import { Gauge, type Registry } from 'prom-client';
import {
  BREAKER_STATE_VALUE,
  breakerStateOfQueue,
  countEvents,
  EVENT_STATUSES,
  type DeliveryQueueHandle,
  type RedisClient,
} from '@hookrelay/queue';
import { redisReachable } from '@hookrelay/service-kit';

/**
 * Events per status, paused flag and circuit breaker state per (source, destination), read from Redis at scrape time
 * (see countEvents for what a scrape costs), plus `hookrelay_redis_up`. The queues and the
 * connection stay their caller's to close.
 */
export function queueMetrics(
  registry: Registry,
  queues: readonly DeliveryQueueHandle[],
  connection: RedisClient,
): void {
  // prom-client collects metrics concurrently, so each gauge reads Redis for itself at scrape time.
  new Gauge({
    name: 'hookrelay_queue_jobs',
    help: 'Events per delivery queue and status: waiting, scheduled, delivering, retrying, delivered (retained), dead (the dead-letter set).',
    labelNames: ['source', 'destination', 'state'],
    registers: [registry],
    async collect() {
      await Promise.all(
        queues.map(async ({ source, destination, queue }) => {
          const counts = await countEvents(queue, connection);
          for (const state of EVENT_STATUSES)
            this.set({ source, destination, state }, counts[state]);
        }),
      ).catch(() => undefined);
    },
  });
  new Gauge({
    name: 'hookrelay_queue_paused',
    help: '1 when deliveries of this source/destination are paused.',
    labelNames: ['source', 'destination'],
    registers: [registry],
    async collect() {
      await Promise.all(
        queues.map(async ({ source, destination, queue }) =>
          this.set({ source, destination }, (await queue.isPaused()) ? 1 : 0),
        ),
      ).catch(() => undefined);
    },
  });
  new Gauge({
    name: 'hookrelay_breaker_state',
    help: 'Circuit breaker of each source/destination: 0 closed, 1 half-open (the next attempt is the probe), 2 open. Always 0 with `breaker: false`.',
    labelNames: ['source', 'destination'],
    registers: [registry],
    async collect() {
      await Promise.all(
        queues.map(async (handle) => {
          const state = await breakerStateOfQueue(connection, handle);
          this.set(
            { source: handle.source, destination: handle.destination },
            BREAKER_STATE_VALUE[state],
          );
        }),
      ).catch(() => undefined);
    },
  });
  new Gauge({
    name: 'hookrelay_redis_up',
    help: '1 when Redis answered PING during the last scrape, 0 otherwise.',
    registers: [registry],
    async collect() {
      this.set((await redisReachable(connection)) ? 1 : 0);
    },
  });
}
