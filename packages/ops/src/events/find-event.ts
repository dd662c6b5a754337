import { glanceAtEvents, isEventId, type EventLogKeys, type EventGlance } from '@hookrelay/queue';
import type { DeliveryQueue, DeliveryQueues } from '../delivery-queues.js';
import { AmbiguousEventError } from '../errors.js';
import { idsWithProviderId } from './event-records.js';

/** An event's jobs, one per destination that still holds it. */
export interface FoundEvent {
  readonly id: string;
  readonly jobs: readonly { readonly entry: DeliveryQueue; readonly glance: EventGlance }[];
}

/** The jobs of `id` in `entries` that still exist (one pipelined round trip). */
async function jobsOf(
  queues: DeliveryQueues,
  entries: readonly DeliveryQueue[],
  id: string,
): Promise<FoundEvent['jobs']> {
  const glances = await glanceAtEvents(
    queues.connection,
    entries.map((entry) => ({ queue: entry.queue, id })),
  );
  return entries.flatMap((entry, i) => (glances[i] ? [{ entry, glance: glances[i] }] : []));
}

/**
 * Finds a retained event by hookrelay's id or the provider's, in O(1) of the number of events: our
 * id is the job id in each destination's queue; a provider id is looked up in the event log's
 * index of provider ids. Undefined when no retained event answers to it; AmbiguousEventError when
 * several retained events carry that provider id.
 */
export async function findEvent(
  queues: DeliveryQueues,
  keys: EventLogKeys,
  idOrEventId: string,
): Promise<FoundEvent | undefined> {
  if (isEventId(idOrEventId)) {
    const jobs = await jobsOf(queues, queues.all(), idOrEventId);
    if (jobs.length > 0) return { id: idOrEventId, jobs };
  }
  const ids = await idsWithProviderId(queues.connection, keys, idOrEventId);
  const found: FoundEvent[] = [];
  for (const id of ids.sort()) {
    const jobs = await jobsOf(queues, queues.all(), id);
    if (jobs.length > 0) found.push({ id, jobs });
  }
  if (found.length > 1)
    throw new AmbiguousEventError(
      idOrEventId,
      found.map(({ id }) => id),
    );
  return found[0];
}
