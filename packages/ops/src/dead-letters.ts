import type { Job } from 'bullmq';
import { readDeliveryJob, UnreadableJobError, type AttemptRecord } from '@hookrelay/queue';
import type { DeliveryQueue, DeliveryQueues } from './delivery-queues.js';
import { InvalidFilterError } from './errors.js';
import { parseHistory, type ReplayRecord } from './history.js';
import { matchDead } from './provider-ids.js';
import { ReplayableJob } from './replay-job.js';

export const DEFAULT_DEAD_LETTER_LIMIT = 100;
export const MAX_DEAD_LETTER_LIMIT = 1_000;

/** One dead-lettered delivery, as the API and `hookrelay dlq list` show it. */
export interface DeadLetter {
  /** hookrelay's event id (the job id and X-Hookrelay-Id); the same id may be dead for several destinations. */
  readonly id: string;
  readonly source: string;
  readonly destination: string;
  /** The provider's event id, as the source's `event.id` (or the provider's own place for it) reads it. */
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly receivedAt: string;
  readonly deadAt: string | null;
  /** Attempts made since the last replay (or since it was received). */
  readonly attemptsMade: number;
  /** What became of the last attempt, one line: `HTTP 400 from the backend — not retried`. */
  readonly lastError: string | null;
  readonly lastStatus: number | null;
  /** Every attempt, including those before earlier replays. */
  readonly attempts: AttemptRecord[];
  readonly replays: ReplayRecord[];
  /**
   * For an ordered delivery (`orderBy`, docs/ordering.md): the ids of the events of its key
   * delivered after it died, oldest first (at most 100); a replay delivers it after them. `[]` for
   * an unordered delivery.
   */
  readonly deliveredAfter: string[];
}

export interface DeadLetterPage {
  /** Dead events in the selected queues that match, all of them (the list holds at most `limit`). */
  readonly total: number;
  /** Most recently dead first. */
  readonly deadLetters: DeadLetter[];
}

export interface DeadLetterQuery {
  readonly source?: string;
  readonly limit?: number;
  /** A hookrelay id (`evt_…`) or a provider event id. */
  readonly id?: string;
  /** A provider event id only. */
  readonly eventId?: string;
}

/** The filters GET /api/dead-letters takes, for refusing any other. */
export const DEAD_LETTER_FILTERS = ['source', 'limit', 'id', 'eventId'] as const;

function isoOrNull(ms: number | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}

/** What the job data says of the event; a job whose data cannot be read is still listed. */
function eventOf(job: Job): Pick<DeadLetter, 'eventId' | 'eventType' | 'receivedAt'> {
  try {
    const data = readDeliveryJob(job.data);
    return {
      eventId: data.eventId ?? null,
      eventType: data.eventType ?? null,
      receivedAt: new Date(data.receivedAt).toISOString(),
    };
  } catch (error) {
    if (!(error instanceof UnreadableJobError)) throw error;
    return { eventId: null, eventType: null, receivedAt: new Date(job.timestamp).toISOString() };
  }
}

async function describe(
  job: Job,
  { source, destination, queue }: DeliveryQueue,
): Promise<DeadLetter> {
  const [{ logs }, deliveredAfter] = await Promise.all([
    queue.getJobLogs(job.id!),
    // One LRANGE, for ordered deliveries only. The queues hand out ReplayableJobs only.
    job instanceof ReplayableJob ? job.deliveredAfter() : [],
  ]);
  // A dead job holds no delivered record (a replay of a delivered one copied it into the log).
  const { attempts, replays } = parseHistory(logs, job.returnvalue);
  return {
    id: job.id!,
    source,
    destination,
    ...eventOf(job),
    deadAt: isoOrNull(job.finishedOn),
    attemptsMade: job.attemptsMade,
    // Already one line: ReplayableJob presents every stored failure that way.
    lastError: job.failedReason || null,
    lastStatus: attempts.at(-1)?.status ?? null,
    attempts,
    replays,
    deliveredAfter,
  };
}

export function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_DEAD_LETTER_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DEAD_LETTER_LIMIT) {
    throw new InvalidFilterError(`limit must be a whole number from 1 to ${MAX_DEAD_LETTER_LIMIT}`);
  }
  return limit;
}

/** The dead jobs answering to `id` and to `eventId` (both, when both are given). */
async function matching(
  queues: DeliveryQueues,
  entries: readonly DeliveryQueue[],
  { id, eventId }: DeadLetterQuery,
): Promise<{ job: Job; entry: DeliveryQueue }[]> {
  const [byId, byEventId] = await Promise.all([
    id === undefined ? undefined : matchDead(queues.connection, entries, [id]),
    eventId === undefined
      ? undefined
      : matchDead(queues.connection, entries, [eventId], { providerOnly: true }),
  ]);
  const found = await Promise.all(
    entries.map(async (entry) => {
      const ids = (byId ?? byEventId)!.ids.get(entry)!;
      const both =
        byId && byEventId ? ids.filter((x) => byEventId.ids.get(entry)!.includes(x)) : ids;
      const jobs = await Promise.all(both.map((x) => entry.queue.getJob(x)));
      return jobs.filter((job) => job !== undefined).map((job) => ({ job, entry }));
    }),
  );
  return found.flat();
}

/**
 * Dead events of one source (or all), with their last error and full attempt history, newest
 * first. `id` and `eventId` narrow them to the events with that id (see matchDead for what that reads).
 */
export async function listDeadLetters(
  queues: DeliveryQueues,
  query: DeadLetterQuery = {},
): Promise<DeadLetterPage> {
  const limit = checkLimit(query.limit);
  const selected = queues.select(query.source);
  if (query.id !== undefined || query.eventId !== undefined) {
    const found = await matching(queues, selected, query);
    return { total: found.length, deadLetters: await describeNewest(found, limit) };
  }
  const perQueue = await Promise.all(
    selected.map(async (entry) => {
      const [count, jobs] = await Promise.all([
        entry.queue.getFailedCount(),
        entry.queue.getFailed(0, limit - 1),
      ]);
      return { count, jobs: jobs.map((job) => ({ job, entry })) };
    }),
  );
  return {
    total: perQueue.reduce((sum, { count }) => sum + count, 0),
    deadLetters: await describeNewest(
      perQueue.flatMap(({ jobs }) => jobs),
      limit,
    ),
  };
}

function describeNewest(
  found: readonly { job: Job; entry: DeliveryQueue }[],
  limit: number,
): Promise<DeadLetter[]> {
  const newestFirst = [...found]
    .sort((a, b) => (b.job.finishedOn ?? 0) - (a.job.finishedOn ?? 0))
    .slice(0, limit);
  return Promise.all(newestFirst.map(({ job, entry }) => describe(job, entry)));
}
