import { SingleBar, Presets } from 'cli-progress';
import type { Ops, ReplayRequest } from '@hookrelay/ops';
import type { Output } from '../output.js';

/** The flags of `hookrelay replay`, as commander hands them over. */
export interface ReplayFlags {
  readonly source?: string;
  readonly since?: string;
  readonly until?: string;
  readonly id?: string[];
  readonly rate?: number;
  readonly dryRun?: boolean;
}

export function replayRequestOf(flags: ReplayFlags): ReplayRequest {
  const { id, ...rest } = flags;
  return { ...rest, ids: id };
}

/** Bulk replays below this size finish too fast for a progress bar to help. */
const PROGRESS_BAR_FROM = 20;

/** `hookrelay replay`: replays dead events by source, time window and/or id; a dry run only counts. */
export async function replay(ops: Ops, request: ReplayRequest, output: Output): Promise<void> {
  let bar: SingleBar | undefined;
  const outcome = await ops.replayDeadLetters(request, ({ done, total }) => {
    if (output.json || total < PROGRESS_BAR_FROM) return;
    if (!bar) {
      bar = new SingleBar(
        {
          stream: output.progress,
          format: 'replaying [{bar}] {value}/{total} {eta_formatted} left',
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      bar.start(total, 0);
    }
    bar.update(done);
  });
  bar?.stop();
  if (outcome.dryRun) {
    if (output.json) return output.data({ wouldReplay: outcome.wouldReplay });
    return output.line(
      `Would replay ${outcome.wouldReplay} dead event${outcome.wouldReplay === 1 ? '' : 's'} (dry run: nothing changed).`,
    );
  }
  if (output.json) return output.data({ replayed: outcome.replayed, skipped: outcome.skipped });
  output.line(
    `Replayed ${outcome.replayed} dead event${outcome.replayed === 1 ? '' : 's'}${outcome.skipped ? ` (${outcome.skipped} had left the dead-letter queue meanwhile)` : ''}.`,
  );
}
