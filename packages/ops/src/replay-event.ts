import type { DeliveryQueues } from './delivery-queues.js';
import { EventNotFinishedError, UnknownEventError } from './errors.js';
import { replayFinishedJob, type FinishedState } from './replay-job.js';

export interface ReplayedDelivery {
  readonly source: string;
  readonly destination: string;
  readonly from: FinishedState;
}

export interface EventReplay {
  readonly id: string;
  readonly replayed: number;
  readonly deliveries: ReplayedDelivery[];
}

const isFinished = (state: string): state is FinishedState =>
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
  const finished = held.filter((item) => isFinished(item.state));
  if (finished.length === 0)
    throw new EventNotFinishedError(id, [...new Set(held.map((item) => item.state))]);
  const deliveries: ReplayedDelivery[] = [];
  for (const { entry, job, state } of finished) {
    const from = state as FinishedState;
    await replayFinishedJob(job, from);
    deliveries.push({ source: entry.source, destination: entry.destination, from });
  }
  return { id, replayed: deliveries.length, deliveries };
}
