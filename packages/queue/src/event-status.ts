import type { JobState, Queue } from 'bullmq';
import { attemptsMadeOf, glanceAt, type JobGlance } from './bullmq-internals.js';
import type { RedisClient } from './connection.js';
import { OrderKeys } from './ordering/keys.js';

/**
 * What an event is for one destination, in the words every operator-facing surface uses (ops API,
 * CLI, metrics): `waiting` queued and not attempted yet (fresh events and replays, and ordered
 * events parked until their key's turn, docs/ordering.md), `scheduled`
 * held by `event.delayUntil` and not attempted yet, `delivering` an attempt in flight, `retrying`
 * waiting for its next attempt after a failed one, `delivered` delivered and still retained,
 * `dead` in the dead-letter set.
 */
export const EVENT_STATUSES = [
  'waiting',
  'scheduled',
  'delivering',
  'retrying',
  'delivered',
  'dead',
] as const;

export type EventStatus = (typeof EVENT_STATUSES)[number];

/** Events per status in one destination's queue. */
export type EventCounts = { readonly [status in EventStatus]: number };

/**
 * The status of a job in BullMQ `state` after `attemptsMade` attempts; undefined when BullMQ does
 * not know the job. BullMQ's delayed set holds scheduled events, retries and parked ordered events
 * (`parked`: in its queue's parked set, docs/ordering.md): a parked one is waiting, and a failed
 * attempt is what tells a retry from a scheduled event.
 */
export function eventStatusOf(
  state: JobState | 'unknown',
  attemptsMade: number,
  parked = false,
): EventStatus | undefined {
  switch (state) {
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    case 'delayed':
      return parked ? 'waiting' : attemptsMade > 0 ? 'retrying' : 'scheduled';
    case 'active':
      return 'delivering';
    case 'completed':
      return 'delivered';
    case 'failed':
      return 'dead';
    default:
      return undefined;
  }
}

/**
 * Counts a destination's events per status. Every status but two is one BullMQ count; splitting
 * the delayed set into `scheduled`, `retrying` and parked ordered events (counted `waiting`,
 * docs/ordering.md) costs, besides, one ZRANGE of the delayed ids and one SMEMBERS of the queue's
 * parked set, sent with the counts, then one HMGET of two small fields per delayed job that is not
 * parked, pipelined 1,000 to a round trip (no payload is read): nothing more while nothing is
 * delayed, about 10 round trips for 10,000 delayed events.
 */
export async function countEvents(queue: Queue, connection: RedisClient): Promise<EventCounts> {
  const delayedSplit = async () => {
    const [delayed, parkedIds] = await Promise.all([
      queue.getRanges(['delayed'], 0, -1),
      connection.smembers(new OrderKeys(queue).parked()),
    ]);
    // The set may still name an event promoted or claimed a moment ago: only delayed ones count.
    const inParkedSet = new Set(parkedIds);
    const notParked = delayed.filter((id) => !inParkedSet.has(id));
    return {
      parked: delayed.length - notParked.length,
      attemptsMade: await attemptsMadeOf(connection, queue, notParked),
    };
  };
  const [counts, { parked, attemptsMade }] = await Promise.all([
    queue.getJobCounts(
      'waiting',
      'prioritized',
      'waiting-children',
      'active',
      'completed',
      'failed',
    ),
    delayedSplit(),
  ]);
  const count = (state: JobState) => counts[state] ?? 0;
  const retrying = attemptsMade.filter((made) => made > 0).length;
  return {
    waiting: count('waiting') + count('prioritized') + count('waiting-children') + parked,
    scheduled: attemptsMade.length - retrying,
    delivering: count('active'),
    retrying,
    delivered: count('completed'),
    dead: count('failed'),
  };
}

/** A job as the event log lists it: its status in the operator's words, read without its payload. */
export type EventGlance = Omit<JobGlance, 'state'> & { readonly status: EventStatus };

/**
 * Each job's status, attempts and last log lines in one pipelined round trip (see glanceAt);
 * `undefined` for a job that is gone. A parked ordered event is `waiting`.
 */
export async function glanceAtEvents(
  connection: RedisClient,
  jobs: readonly { readonly queue: Queue; readonly id: string }[],
): Promise<(EventGlance | undefined)[]> {
  return (await glanceAt(connection, jobs)).map((glance) => {
    if (!glance) return undefined;
    const { state, ...rest } = glance;
    return { ...rest, status: eventStatusOf(state, glance.attemptsMade, glance.parked)! };
  });
}
