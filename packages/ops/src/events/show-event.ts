import {
  readDeliveryJob,
  UnreadableJobError,
  type AttemptRecord,
  type DeliveryJobData,
  type EventLogKeys,
  type EventStatus,
} from '@hookrelay/queue';
import type { DeliveryQueues } from '../delivery-queues.js';
import { UnknownEventError } from '../errors.js';
import { parseHistory, type ReplayRecord } from '../history.js';
import { findEvent } from './find-event.js';
import { readRecords } from './event-records.js';
import { lastAttemptOf, lastErrorOf } from './last-attempt.js';

/** One destination's side of an event: where it stands and every attempt, old ones first. */
export interface EventDelivery {
  readonly destination: string;
  readonly status: EventStatus;
  readonly lastError: string | null;
  /** Every attempt, including those before replays: number, time, status or error, duration, answer. */
  readonly attempts: AttemptRecord[];
  readonly replays: ReplayRecord[];
}

/** GET /api/events/<id> and `hookrelay events show`: the event as received, then its deliveries. */
export interface EventDetail {
  readonly id: string;
  readonly source: string;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly receivedAt: string;
  readonly requestId: string | null;
  readonly request: {
    /** Every received header, signature and credential values masked; null when the log kept none. */
    readonly headers: Record<string, string> | null;
    readonly contentType: string | null;
    /** As received: UTF-8 text, or base64 when it was not UTF-8 (`bodyEncoding`). */
    readonly body: string | null;
    readonly bodyEncoding: DeliveryJobData['bodyEncoding'] | null;
  };
  readonly deliveries: EventDelivery[];
}

function dataOf(data: unknown): DeliveryJobData | undefined {
  try {
    return readDeliveryJob(data);
  } catch (error) {
    if (error instanceof UnreadableJobError) return undefined;
    throw error;
  }
}

/**
 * One retained event by hookrelay's id or the provider's (see findEvent): what the ingress
 * received (its record in the event log, the body from a job) and, per destination, the attempts
 * from the job's log and its return value (the delivered one). Throws UnknownEventError when no retained event answers to `id`.
 */
export async function showEvent(
  queues: DeliveryQueues,
  keys: EventLogKeys,
  idOrEventId: string,
): Promise<EventDetail> {
  const found = await findEvent(queues, keys, idOrEventId);
  if (!found) throw new UnknownEventError(idOrEventId);
  const { id } = found;
  const [[record], deliveries] = await Promise.all([
    readRecords(queues.connection, keys, [id]),
    Promise.all(
      found.jobs.map(async ({ entry, glance }) => {
        const [job, { logs }] = await Promise.all([
          entry.queue.getJob(id),
          entry.queue.getJobLogs(id),
        ]);
        const { attempts, replays } = parseHistory(logs, job?.returnvalue);
        return {
          data: job ? dataOf(job.data) : undefined,
          delivery: {
            destination: entry.destination,
            status: glance.status,
            lastError: lastErrorOf(glance, lastAttemptOf(glance)),
            attempts,
            replays,
          },
        };
      }),
    ),
  ]);
  const data = deliveries.find((d) => d.data !== undefined)?.data;
  return {
    id,
    source: record?.source ?? found.jobs[0]!.entry.source,
    eventId: record?.eventId ?? data?.eventId ?? null,
    eventType: record?.eventType ?? data?.eventType ?? null,
    receivedAt: new Date(record?.receivedAt ?? data?.receivedAt ?? 0).toISOString(),
    requestId: data?.requestId ?? null,
    request: {
      headers: record ? { ...record.headers } : null,
      contentType: data?.contentType ?? null,
      body: data?.body ?? null,
      bodyEncoding: data?.bodyEncoding ?? null,
    },
    deliveries: deliveries.map(({ delivery }) => delivery),
  };
}
