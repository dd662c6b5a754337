import type { DeliveryQueue, DeliveryQueues } from './delivery-queues.js';
import { selectDeadLetters } from './dead-letter-selection.js';
import { resolveReplayFilter, type ReplayRequest } from './replay-filter.js';
import { replayFinishedJob } from './replay-job.js';

/** What the selection was made of, to say why it came to nothing. */
export interface ReplaySelection {
  /** The sources whose dead letters were searched. */
  readonly searched: string[];
  /** The request's ids (hookrelay or provider event ids) that no dead event answers to. */
  readonly unmatched: string[];
}

export type ReplayOutcome = ReplaySelection &
  (
    | { readonly dryRun: true; readonly wouldReplay: number }
    | {
        readonly dryRun: false;
        readonly replayed: number;
        readonly skipped: number;
        /**
         * Replayed ordered events (`orderBy`, docs/ordering.md) that events of their key were
         * delivered after while they were dead: they are delivered after those, at the back of
         * their key's line.
         */
        readonly overtaken: number;
      }
  );

export interface ReplayProgress {
  readonly done: number;
  readonly total: number;
}

/** Replays in flight at once; the pace (ReplayFilter.rate) is what bounds the load. */
const PARALLEL_REPLAYS = 8;

/**
 * Replays one dead job: `skipped` when it left the dead-letter set meanwhile (replayed elsewhere,
 * purged), `overtaken` when events of its key were delivered after it (docs/ordering.md).
 */
async function replayOne(
  { queue }: DeliveryQueue,
  id: string,
): Promise<'replayed' | 'overtaken' | 'skipped'> {
  const job = await queue.getJob(id);
  if (!job) return 'skipped';
  try {
    const { deliveredAfter } = await replayFinishedJob(job, 'failed');
    return deliveredAfter.length > 0 ? 'overtaken' : 'replayed';
  } catch (error) {
    if (!(await job.isFailed())) return 'skipped';
    throw error;
  }
}

/** Resolves when the `index`-th replay may start, `rate` replays a second after `startedAt`. */
function paced(index: number, rate: number, startedAt: number): Promise<void> | undefined {
  const waitMs = startedAt + (index * 1000) / rate - Date.now();
  return waitMs > 0 ? new Promise((resolve) => setTimeout(resolve, waitMs)) : undefined;
}

/**
 * Replays the dead events matching `request` (source, ids, received since/until), each under its own
 * id. Replays go behind live traffic in the queue (REPLAY_PRIORITY) and are paced (`rate` a second,
 * default DEFAULT_REPLAY_RATE) so that their deliveries never take the worker from live events.
 * An ordered event joins the back of its key's line (docs/ordering.md); `overtaken` counts those
 * that events of their key were delivered after. A dry run only counts them. Resolves once every
 * selected event is back in its queue.
 */
export async function replayDeadLetters(
  queues: DeliveryQueues,
  request: ReplayRequest,
  onProgress?: (progress: ReplayProgress) => void,
): Promise<ReplayOutcome> {
  const filter = resolveReplayFilter(request);
  const entries = queues.select(filter.source);
  const { selected, unmatched } = await selectDeadLetters(queues.connection, entries, filter);
  const selection: ReplaySelection = {
    searched: [...new Set(entries.map(({ source }) => source))],
    unmatched,
  };
  const work = selected.flatMap(({ entry, ids }) => ids.map((id) => ({ entry, id })));
  if (filter.dryRun) return { ...selection, dryRun: true, wouldReplay: work.length };

  const startedAt = Date.now();
  let next = 0;
  let replayed = 0;
  let skipped = 0;
  let overtaken = 0;
  onProgress?.({ done: 0, total: work.length });
  const lane = async () => {
    while (next < work.length) {
      const index = next++;
      await paced(index, filter.rate, startedAt);
      const { entry, id } = work[index]!;
      const result = await replayOne(entry, id);
      if (result === 'skipped') skipped += 1;
      else replayed += 1;
      if (result === 'overtaken') overtaken += 1;
      onProgress?.({ done: replayed + skipped, total: work.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_REPLAYS, work.length) }, lane));
  return { ...selection, dryRun: false, replayed, skipped, overtaken };
}
