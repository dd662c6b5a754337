import type { AttemptRecord } from '../job.js';

/**
 * One entry of the live feed (`hookrelay tail`): a delivery attempt and what became of it. The
 * backend's answer is left out: the feed is for watching, the event log keeps the answer.
 */
export interface FeedAttempt {
  readonly id: string;
  readonly source: string;
  readonly destination: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly attempt: number;
  readonly at: number;
  readonly durationMs: number;
  readonly status?: number;
  readonly error?: string;
  readonly outcome: AttemptRecord['outcome'];
  /** For a dead letter: the dead letter's one line (`HTTP 400 from the backend — not retried`). */
  readonly deadReason?: string;
}

/** The feed's one field per entry. */
export const FEED_FIELD = 'attempt';

/** The stream keeps about this many entries: the last few minutes of a busy relay, for followers only. */
export const FEED_MAX_LENGTH = 10_000;

const OUTCOMES = new Set<string>(['delivered', 'retry', 'dead', 'held']);

/** A feed entry's field value, or undefined for one this version does not read. */
export function readFeedAttempt(value: string): FeedAttempt | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const ok =
    typeof e.id === 'string' &&
    typeof e.source === 'string' &&
    typeof e.destination === 'string' &&
    typeof e.attempt === 'number' &&
    typeof e.at === 'number' &&
    typeof e.durationMs === 'number' &&
    typeof e.outcome === 'string' &&
    OUTCOMES.has(e.outcome);
  return ok ? (entry as FeedAttempt) : undefined;
}
