import {
  eventStatusOf,
  withCompletion,
  type AttemptRecord,
  type EventStatus,
} from '@hookrelay/queue';
import type { FinishedStatus } from 'bullmq';

/** The status a finished event had when it was replayed. */
export type FinishedEventStatus = Extract<EventStatus, 'delivered' | 'dead'>;

/** A replay, as the API and the CLI show it. */
export interface ReplayRecord {
  readonly replayedAt: number;
  /** What the event was when it was replayed: `dead` (dead-lettered) or `delivered`. */
  readonly from: FinishedEventStatus;
}

export interface DeliveryHistory {
  /** Every attempt ever made, old ones first; numbering starts again at 1 after each replay. */
  readonly attempts: AttemptRecord[];
  readonly replays: ReplayRecord[];
}

/** `failed` → `dead`, `completed` → `delivered`. */
export function finishedEventStatus(state: FinishedStatus): FinishedEventStatus {
  return eventStatusOf(state, 0) as FinishedEventStatus;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Reads a job's log lines (the worker's attempt records and our replay markers, see
 * StoredReplayRecord; other lines are skipped), then its return value, which holds the attempt
 * that delivered it (docs/events.md): pass the job's `returnvalue` for every attempt, old ones first.
 */
export function parseHistory(lines: readonly string[], returnValue?: unknown): DeliveryHistory {
  const attempts: AttemptRecord[] = [];
  const replays: ReplayRecord[] = [];
  for (const line of lines) {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObject(entry)) continue;
    if (
      typeof entry.replayedAt === 'number' &&
      (entry.from === 'failed' || entry.from === 'completed')
    )
      replays.push({ replayedAt: entry.replayedAt, from: finishedEventStatus(entry.from) });
    else if (typeof entry.attempt === 'number') attempts.push(entry as unknown as AttemptRecord);
  }
  return { attempts: withCompletion(attempts, returnValue), replays };
}
