import type { Job, JobType } from 'bullmq';
import {
  failedSince,
  inFailedSet,
  readDeliveryJob,
  UnreadableJobError,
  type RedisClient,
} from '@hookrelay/queue';
import type { DeliveryQueue } from './delivery-queues.js';

/** Jobs read at once while searching by provider id: at most this many payloads in memory. */
const SEARCH_BATCH = 500;

/** The provider's event id in a job's data, whichever version wrote it; undefined when it has none. */
export function providerIdOf(job: Job): string | undefined {
  try {
    return readDeliveryJob(job.data).eventId;
  } catch (error) {
    if (!(error instanceof UnreadableJobError)) throw error;
    return undefined;
  }
}

/**
 * The jobs among `ids` of one queue whose provider event id is one of `eventIds`. A provider id is
 * only in the job's data, so each job is read whole, payload included, SEARCH_BATCH at a time.
 */
export async function withProviderIds(
  { queue }: DeliveryQueue,
  ids: readonly string[],
  eventIds: ReadonlySet<string>,
): Promise<Job[]> {
  const found: Job[] = [];
  for (let start = 0; start < ids.length; start += SEARCH_BATCH) {
    const batch = ids.slice(start, start + SEARCH_BATCH);
    for (const job of await Promise.all(batch.map((id) => queue.getJob(id)))) {
      const eventId = job && providerIdOf(job);
      if (eventId !== undefined && eventIds.has(eventId)) found.push(job!);
    }
  }
  return found;
}

/** Every state a retained job can be in. */
const RETAINED: JobType[] = [
  'waiting',
  'prioritized',
  'waiting-children',
  'delayed',
  'active',
  'completed',
  'failed',
];

/** The retained jobs of one queue, in any state, whose provider event id is `eventId`. */
export async function retainedWithProviderId(
  entry: DeliveryQueue,
  eventId: string,
): Promise<Job[]> {
  const ids = [...new Set(await entry.queue.getRanges(RETAINED, 0, -1))];
  return withProviderIds(entry, ids, new Set([eventId]));
}

/** Dead jobs found per queue, and the wanted ids that no dead job answers to. */
export interface DeadMatch {
  readonly ids: Map<DeliveryQueue, string[]>;
  readonly unmatched: string[];
}

/**
 * The dead jobs of `entries` that answer to any of `wanted`: each wanted id is a hookrelay id (the
 * job id, looked up directly) or else a provider event id (searched for among the dead jobs, those
 * dead at or after `deadSinceMs`). With `providerOnly`, every wanted id is a provider event id.
 */
export async function matchDead(
  connection: RedisClient,
  entries: readonly DeliveryQueue[],
  wanted: readonly string[],
  options: { providerOnly?: boolean; deadSinceMs?: number } = {},
): Promise<DeadMatch> {
  const ids = new Map<DeliveryQueue, Set<string>>(entries.map((entry) => [entry, new Set()]));
  const matched = new Set<string>();
  if (!options.providerOnly) {
    for (const entry of entries) {
      const dead = await inFailedSet(connection, entry.queue, wanted);
      for (const [i, id] of wanted.entries()) {
        if (!dead[i]) continue;
        ids.get(entry)!.add(id);
        matched.add(id);
      }
    }
  }
  const byProvider = new Set(wanted.filter((id) => !matched.has(id)));
  if (byProvider.size > 0) {
    for (const entry of entries) {
      const dead = await failedSince(connection, entry.queue, options.deadSinceMs);
      for (const job of await withProviderIds(entry, dead, byProvider)) {
        ids.get(entry)!.add(job.id!);
        matched.add(providerIdOf(job)!);
      }
    }
  }
  return {
    ids: new Map([...ids].map(([entry, found]) => [entry, [...found]])),
    unmatched: wanted.filter((id) => !matched.has(id)),
  };
}
