import type { FinishedStatus, Job } from 'bullmq';
import { eventStatusOf, OrderKeys, type EventLogKeys } from '@hookrelay/queue';
import type { DeliveryQueue, DeliveryQueues } from './delivery-queues.js';
import { AmbiguousEventError, EventNotFinishedError, UnknownEventError } from './errors.js';
import { findEvent } from './events/find-event.js';
import { finishedEventStatus, type FinishedEventStatus } from './history.js';
import { retainedWithProviderId } from './provider-ids.js';
import { replayFinishedJob } from './replay-job.js';

export interface ReplayedDelivery {
  readonly source: string;
  readonly destination: string;
  readonly from: FinishedEventStatus;
  /**
   * Only for a dead ordered delivery (`orderBy`, docs/ordering.md) that events of its key were
   * delivered after: their ids, oldest first. The replay joins the back of its key's line, so it is
   * delivered after them.
   */
  readonly deliveredAfter?: string[];
}

export interface EventReplay {
  /** hookrelay's id of the event, whichever id it was asked by. */
  readonly id: string;
  readonly replayed: number;
  readonly deliveries: ReplayedDelivery[];
}

const isFinished = (state: string): state is FinishedStatus =>
  state === 'failed' || state === 'completed';

interface Held {
  readonly entry: DeliveryQueue;
  readonly job: Job;
  readonly state: Awaited<ReturnType<Job['getState']>>;
}

const withState = async (entry: DeliveryQueue, job: Job): Promise<Held> => ({
  entry,
  job,
  state: await job.getState(),
});

/** The jobs of the event whose hookrelay id is `id`, one per destination that holds it. */
async function heldById(queues: DeliveryQueues, id: string): Promise<Held[]> {
  const found = await Promise.all(
    queues.all().map(async (entry) => {
      const job = await entry.queue.getJob(id);
      return job ? withState(entry, job) : undefined;
    }),
  );
  return found.filter((item) => item !== undefined);
}

/**
 * The jobs of the event whose provider id is `eventId`, found in the event log's provider-id
 * index; else (events received before the event log kept one) by reading every retained job's
 * data, so it is only tried when no event has `eventId` as its hookrelay id. Several events with that provider id
 * are refused (AmbiguousEventError) rather than all replayed.
 */
async function heldByProviderId(
  queues: DeliveryQueues,
  keys: EventLogKeys,
  eventId: string,
): Promise<Held[]> {
  const logged = await findEvent(queues, keys, eventId);
  if (logged) return heldById(queues, logged.id);
  const found = await Promise.all(
    queues.all().map(async (entry) => {
      const jobs = await retainedWithProviderId(entry, eventId);
      return Promise.all(jobs.map((job) => withState(entry, job)));
    }),
  );
  const held = found.flat();
  const ids = [...new Set(held.map(({ job }) => job.id!))];
  if (ids.length > 1) throw new AmbiguousEventError(eventId, ids);
  return held;
}

/**
 * Delivers a retained event again, delivered or dead, to every destination that holds it (fan-out
 * events live in several queues under the same id). `id` is hookrelay's id or the provider's.
 * Deliveries still under way are left alone; when nothing is finished the call fails with
 * EventNotFinishedError. An ordered delivery joins the back of its key's line (docs/ordering.md);
 * a dead one says which events of its key went ahead of it (`deliveredAfter`).
 */
export async function replayEvent(
  queues: DeliveryQueues,
  keys: EventLogKeys,
  id: string,
): Promise<EventReplay> {
  let held = await heldById(queues, id);
  if (held.length === 0) held = await heldByProviderId(queues, keys, id);
  if (held.length === 0) throw new UnknownEventError(id);
  const deliveries: ReplayedDelivery[] = [];
  for (const { entry, job, state } of held) {
    if (!isFinished(state)) continue;
    const { deliveredAfter } = await replayFinishedJob(job, state);
    deliveries.push({
      source: entry.source,
      destination: entry.destination,
      from: finishedEventStatus(state),
      ...(deliveredAfter.length > 0 ? { deliveredAfter } : {}),
    });
  }
  if (deliveries.length === 0) {
    const statuses = await Promise.all(
      held.map(async ({ entry, job, state }) => {
        // A delayed ordered event may be parked for its key's turn (docs/ordering.md): waiting.
        const parked =
          state === 'delayed' &&
          (await queues.connection.sismember(new OrderKeys(entry.queue).parked(), job.id!)) === 1;
        return eventStatusOf(state, job.attemptsMade, parked) ?? state;
      }),
    );
    throw new EventNotFinishedError(id, [...new Set(statuses)]);
  }
  return { id: held[0]!.job.id!, replayed: deliveries.length, deliveries };
}
