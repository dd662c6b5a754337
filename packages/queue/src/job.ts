import { isUtf8 } from 'node:buffer';
import { randomFillSync } from 'node:crypto';

/**
 * The version of DeliveryJobData the enqueuer writes. Jobs outlive a deploy (dead letters are kept
 * `retention.dead`, 14 days by default), so a change to this shape gets a new version, and
 * readDeliveryJob keeps reading every version still retained.
 */
export const DELIVERY_JOB_VERSION = 1;

/** What one delivery job carries: everything the worker needs, nothing it must look up. */
export interface DeliveryJobData {
  /** Jobs written before job data was versioned have none (version 0); readDeliveryJob fills it in. */
  readonly version: typeof DELIVERY_JOB_VERSION;
  /** hookrelay's event id, also the job id and the backend's de-duplication key (X-Hookrelay-Id). */
  readonly id: string;
  readonly source: string;
  readonly destination: string;
  readonly requestId: string;
  /** Epoch milliseconds when the ingress received the request. */
  readonly receivedAt: number;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly contentType?: string;
  /** Provider signature headers, forwarded in raw format. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body exactly as received: UTF-8 text when it is valid UTF-8, base64 otherwise. */
  readonly body: string;
  readonly bodyEncoding: 'utf8' | 'base64';
  /**
   * For a destination with `orderBy`: the event's order key as stored (storedOrderKey); absent for
   * an unordered delivery. Added in place: jobs without it are unordered, as before.
   */
  readonly orderKey?: string;
}

/**
 * One delivery attempt, as recorded in the job's log (and so kept with a dead-lettered event); the
 * attempt that delivered is the job's return value instead (see completion.ts).
 */
export interface AttemptRecord {
  readonly attempt: number;
  readonly at: number;
  readonly durationMs: number;
  readonly status?: number;
  readonly error?: string;
  /**
   * `held`: a 429 or 503 with `Retry-After` held the whole destination (docs/contract.md §5); the
   * attempt was not spent, so the next record may carry the same `attempt`.
   */
  readonly outcome: 'delivered' | 'retry' | 'dead' | 'held';
  /** The start of the backend's answer (at most 4096 bytes of UTF-8); absent when none came back. */
  readonly response?: string;
  /** The answer's Content-Type, when it had one. */
  readonly responseType?: string;
}

export function encodeBody(body: Buffer): Pick<DeliveryJobData, 'body' | 'bodyEncoding'> {
  return isUtf8(body)
    ? { body: body.toString('utf8'), bodyEncoding: 'utf8' }
    : { body: body.toString('base64'), bodyEncoding: 'base64' };
}

export function decodeBody(job: Pick<DeliveryJobData, 'body' | 'bodyEncoding'>): Buffer {
  return Buffer.from(job.body, job.bodyEncoding);
}

/** Random bytes drawn 4 KB at a time: one randomBytes(8) call per event cost more than the rest of the id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex8(): string {
  if (poolOffset + 8 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += 8;
  return pool.toString('hex', poolOffset - 8, poolOffset);
}

/** Sortable, unique, URL-safe: `evt_` + time + randomness. */
export function newEventId(nowMs = Date.now()): string {
  return `evt_${nowMs.toString(36)}${randomHex8()}`;
}
