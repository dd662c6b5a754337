import type { AttemptRecord, EventGlance } from '@hookrelay/queue';
import { parseHistory } from '../history.js';

/**
 * The last attempt: the delivered one a delivered job holds as its return value (`delivered`,
 * see deliveredAttemptsOf), else the last recorded in its log tail (a replay marker may follow
 * it), if any.
 */
export function lastAttemptOf(
  glance: EventGlance,
  delivered?: AttemptRecord,
): AttemptRecord | undefined {
  return parseHistory(glance.lastLogLines, delivered).attempts.at(-1);
}

/** One line on what went wrong last: the stored failure line once dead, else the last failed attempt's error. */
export function lastErrorOf(glance: EventGlance, last: AttemptRecord | undefined): string | null {
  if (glance.status === 'dead') return glance.failedReason ?? last?.error ?? null;
  if (glance.status === 'delivered') return null;
  return last?.error ?? null;
}
