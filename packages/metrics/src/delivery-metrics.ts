import { Counter, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from '@hookrelay/queue';

const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const END_TO_END_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400];

/** `2xx`…`5xx` for answered attempts, `timeout` or `connection_error` otherwise. */
export type AttemptOutcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'connection_error';

export function attemptOutcome(
  status: number | undefined,
  failure?: 'timeout' | 'connection_error',
): AttemptOutcome {
  if (status === undefined) return failure ?? 'connection_error';
  return `${Math.min(Math.max(Math.floor(status / 100), 1), 5)}xx` as AttemptOutcome;
}

export interface DeliveryMetrics {
  attempt(source: string, destination: string, outcome: AttemptOutcome, seconds: number): void;
  delivered(source: string, destination: string, endToEndSeconds: number): void;
  deadLettered(source: string, destination: string): void;
  /** The destination's circuit breaker changed state (docs/contract.md §5). */
  breakerTransition(source: string, destination: string, to: BreakerState): void;
}

export function deliveryMetrics(registry: Registry): DeliveryMetrics {
  const attempts = new Counter({
    name: 'hookrelay_delivery_attempts_total',
    help: 'Delivery attempts by source, destination and outcome (status class, timeout, connection_error).',
    labelNames: ['source', 'destination', 'outcome'],
    registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'hookrelay_delivery_attempt_duration_seconds',
    help: 'Duration of one delivery attempt, by source and destination.',
    labelNames: ['source', 'destination'],
    buckets: ATTEMPT_BUCKETS,
    registers: [registry],
  });
  const endToEnd = new Histogram({
    name: 'hookrelay_delivery_end_to_end_seconds',
    help: 'Time from receipt at the ingress to successful delivery, retries included.',
    labelNames: ['source', 'destination'],
    buckets: END_TO_END_BUCKETS,
    registers: [registry],
  });
  const dead = new Counter({
    name: 'hookrelay_dead_letters_total',
    help: 'Events moved to the dead-letter set, by source and destination.',
    labelNames: ['source', 'destination'],
    registers: [registry],
  });
  const breakerTransitions = new Counter({
    name: 'hookrelay_breaker_transitions_total',
    help: 'Circuit breaker state changes by source, destination and the state entered (open, half-open, closed), counted by the worker that made them.',
    labelNames: ['source', 'destination', 'to'],
    registers: [registry],
  });
  return {
    attempt(source, destination, outcome, seconds) {
      attempts.inc({ source, destination, outcome });
      attemptDuration.observe({ source, destination }, seconds);
    },
    delivered(source, destination, endToEndSeconds) {
      endToEnd.observe({ source, destination }, endToEndSeconds);
    },
    deadLettered(source, destination) {
      dead.inc({ source, destination });
    },
    breakerTransition(source, destination, to) {
      breakerTransitions.inc({ source, destination, to });
    },
  };
}
