import {
  breakerStateOfQueue,
  countEvents,
  type BreakerState,
  type EventCounts,
} from '@hookrelay/queue';
import type { DeliveryQueue, DeliveryQueues } from './delivery-queues.js';

/**
 * The state of one destination's deliveries: its events per status (`waiting`, `scheduled`,
 * `delivering`, `retrying`, `delivered`, `dead`; see EVENT_STATUSES), whether it is paused, and
 * its circuit breaker (docs/contract.md §5; `closed` when the config turns it off).
 */
export interface DestinationCounts extends EventCounts {
  readonly name: string;
  readonly queue: string;
  readonly paused: boolean;
  readonly breaker: BreakerState;
}

export interface SourceCounts {
  readonly name: string;
  /** True when every destination of the source is paused. */
  readonly paused: boolean;
  readonly destinations: DestinationCounts[];
}

async function countDestination(
  handle: DeliveryQueue,
  queues: DeliveryQueues,
): Promise<DestinationCounts> {
  const { destination, queue } = handle;
  const [counts, paused, breaker] = await Promise.all([
    countEvents(queue, queues.connection),
    queue.isPaused(),
    breakerStateOfQueue(queues.connection, handle),
  ]);
  return { name: destination, queue: queue.name, ...counts, paused, breaker };
}

/** Counts per source and destination (GET /api/sources, `hookrelay status`). */
export async function sourceCounts(
  queues: DeliveryQueues,
  source?: string,
): Promise<SourceCounts[]> {
  const names = source === undefined ? queues.sources() : [queues.ofSource(source)[0]!.source];
  return Promise.all(
    names.map(async (name) => {
      const destinations = await Promise.all(
        queues.ofSource(name).map((queue) => countDestination(queue, queues)),
      );
      return { name, paused: destinations.every((d) => d.paused), destinations };
    }),
  );
}
