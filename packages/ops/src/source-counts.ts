import type { DeliveryQueue, DeliveryQueues } from './delivery-queues.js';
import { countRetrying } from './retrying-count.js';

/** The state of one destination's deliveries; every number counts events. */
export interface DestinationCounts {
  readonly name: string;
  readonly queue: string;
  /** Ready to be delivered: fresh events and replays (waiting, prioritized). */
  readonly waiting: number;
  /** Being delivered right now. */
  readonly active: number;
  /** Held until their `event.delayUntil`, not attempted yet. */
  readonly delayed: number;
  /** Waiting for their next attempt after at least one failed attempt. */
  readonly failed: number;
  /** Delivered, still retained (retention.delivered). */
  readonly completed: number;
  /** Dead-lettered: out of attempts or refused; replayable until retention.dead passes. */
  readonly dead: number;
  readonly paused: boolean;
}

export interface SourceCounts {
  readonly name: string;
  /** True when every destination of the source is paused. */
  readonly paused: boolean;
  readonly destinations: DestinationCounts[];
}

async function countDestination(
  { destination, queue }: DeliveryQueue,
  queues: DeliveryQueues,
): Promise<DestinationCounts> {
  const [counts, retrying, paused] = await Promise.all([
    queue.getJobCounts(
      'waiting',
      'prioritized',
      'waiting-children',
      'active',
      'delayed',
      'completed',
      'failed',
    ),
    countRetrying(queues.connection, queue),
    queue.isPaused(),
  ]);
  const count = (state: string) => counts[state] ?? 0;
  return {
    name: destination,
    queue: queue.name,
    waiting: count('waiting') + count('prioritized') + count('waiting-children'),
    active: count('active'),
    delayed: Math.max(count('delayed') - retrying, 0),
    failed: retrying,
    completed: count('completed'),
    dead: count('failed'),
    paused,
  };
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
