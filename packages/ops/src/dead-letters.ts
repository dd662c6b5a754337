import type { Job } from 'bullmq';
import { readDeliveryJob, UnreadableJobError, type AttemptRecord } from '@hookrelay/queue';
import type { DeliveryQueue, DeliveryQueues } from './delivery-queues.js';
import { InvalidFilterError } from './errors.js';
import { parseHistory, type ReplayRecord } from './history.js';

export const DEFAULT_DEAD_LETTER_LIMIT = 100;
export const MAX_DEAD_LETTER_LIMIT = 1_000;

/** One dead-lettered delivery, as the API and `hookrelay dlq list` show it. */
export interface DeadLetter {
  /** hookrelay's event id (the job id and X-Hookrelay-Id); the same id may be dead for several destinations. */
  readonly id: string;
  readonly source: string;
  readonly destination: string;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly receivedAt: string;
  readonly deadAt: string | null;
  /** Attempts made since the last replay (or since it was received). */
  readonly attemptsMade: number;
  readonly lastError: string | null;
  readonly lastStatus: number | null;
  /** Every attempt, including those before earlier replays. */
  readonly attempts: AttemptRecord[];
  readonly replays: ReplayRecord[];
}

export interface DeadLetterPage {
  /** Dead events in the selected queues, all of them (the list holds at most `limit`). */
  readonly total: number;
  /** Most recently dead first. */
  readonly deadLetters: DeadLetter[];
}

export interface DeadLetterQuery {
  readonly source?: string;
  readonly limit?: number;
}

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
  const { logs } = await queue.getJobLogs(job.id!);
  const { attempts, replays } = parseHistory(logs);
  return {
    id: job.id!,
    source,
    destination,
    ...eventOf(job),
    deadAt: isoOrNull(job.finishedOn),
    attemptsMade: job.attemptsMade,
    lastError: job.failedReason || null,
    lastStatus: attempts.at(-1)?.status ?? null,
    attempts,
    replays,
  };
}

export function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_DEAD_LETTER_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DEAD_LETTER_LIMIT) {
    throw new InvalidFilterError(`limit must be a whole number from 1 to ${MAX_DEAD_LETTER_LIMIT}`);
  }
  return limit;
}

/** Dead events of one source (or all), with their last error and full attempt history, newest first. */
export async function listDeadLetters(
  queues: DeliveryQueues,
  query: DeadLetterQuery = {},
): Promise<DeadLetterPage> {
  const limit = checkLimit(query.limit);
  const selected = queues.select(query.source);
  const perQueue = await Promise.all(
    selected.map(async (entry) => {
      const [count, jobs] = await Promise.all([
        entry.queue.getFailedCount(),
        entry.queue.getFailed(0, limit - 1),
      ]);
      return { count, jobs: jobs.map((job) => ({ job, entry })) };
    }),
  );
  const newestFirst = perQueue
    .flatMap(({ jobs }) => jobs)
    .sort((a, b) => (b.job.finishedOn ?? 0) - (a.job.finishedOn ?? 0))
    .slice(0, limit);
  return {
    total: perQueue.reduce((sum, { count }) => sum + count, 0),
    deadLetters: await Promise.all(newestFirst.map(({ job, entry }) => describe(job, entry))),
  };
}
