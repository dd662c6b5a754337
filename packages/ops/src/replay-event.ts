import type { FinishedStatus } from 'bullmq';
import { eventStatusOf } from '@hookrelay/queue';
import type { DeliveryQueues } from './delivery-queues.js';
import { EventNotFinishedError, UnknownEventError } from './errors.js';
import { finishedEventStatus, type FinishedEventStatus } from './history.js';
import { replayFinishedJob } from './replay-job.js';

export interface ReplayedDelivery {
  readonly source: string;
  readonly destination: string;
  readonly from: FinishedEventStatus;
}

export interface EventReplay {
  readonly id: string;
  readonly replayed: number;
  readonly deliveries: ReplayedDelivery[];
}

const isFinished = (state: string): state is FinishedStatus =>
  state === 'failed' || state === 'completed';

/**
 * Delivers a retained event again, delivered or dead, to every destination that holds it (fan-out
 * events live in several queues under the same id). Deliveries still under way are left alone;
 * when nothing is finished the call fails with EventNotFinishedError.
 */
export async function replayEvent(queues: DeliveryQueues, id: string): Promise<EventReplay> {
  const found = await Promise.all(
    queues.all().map(async (entry) => {
      const job = await entry.queue.getJob(id);
      return job ? { entry, job, state: await job.getState() } : undefined;
    }),
  );
  const held = found.filter((item) => item !== undefined);
  if (held.length === 0) throw new UnknownEventError(id);
  const deliveries: ReplayedDelivery[] = [];
  for (const { entry, job, state } of held) {
    if (!isFinished(state)) continue;
    await replayFinishedJob(job, state);
    deliveries.push({
      source: entry.source,
      destination: entry.destination,
      from: finishedEventStatus(state),
    });
  }
  if (deliveries.length === 0) {
    const statuses = held.map(({ job, state }) => eventStatusOf(state, job.attemptsMade) ?? state);
    throw new EventNotFinishedError(id, [...new Set(statuses)]);
  }
  return { id, replayed: deliveries.length, deliveries };
}
