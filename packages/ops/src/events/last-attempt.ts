import type { AttemptRecord, EventGlance } from '@hookrelay/queue';
import { parseHistory } from '../history.js';

/** The last attempt recorded in a job's log tail (a replay marker may follow it), if any. */
export function lastAttemptOf(glance: EventGlance): AttemptRecord | undefined {
  return parseHistory(glance.lastLogLines).attempts.at(-1);
}

/** One line on what went wrong last: the stored failure line once dead, else the last failed attempt's error. */
export function lastErrorOf(glance: EventGlance, last: AttemptRecord | undefined): string | null {
  if (glance.status === 'dead') return glance.failedReason ?? last?.error ?? null;
  if (glance.status === 'delivered') return null;
  return last?.error ?? null;
}
