import type { AttemptRecord } from '@hookrelay/queue';
import type { ReplayRecord } from './replay-job.js';

export interface DeliveryHistory {
  /** Every attempt ever made, old ones first; numbering starts again at 1 after each replay. */
  readonly attempts: AttemptRecord[];
  readonly replays: ReplayRecord[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Reads a job's log lines (the worker's attempt records and our replay markers); other lines are skipped. */
export function parseHistory(lines: readonly string[]): DeliveryHistory {
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
    if (typeof entry.replayedAt === 'number') replays.push(entry as unknown as ReplayRecord);
    else if (typeof entry.attempt === 'number') attempts.push(entry as unknown as AttemptRecord);
  }
  return { attempts, replays };
}
