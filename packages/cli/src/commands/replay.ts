import { SingleBar, Presets } from 'cli-progress';
import type { Ops, ReplayOutcome, ReplayRequest } from '@hookrelay/ops';
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

/** Why some ids, or the whole selection, came to nothing; undefined when nothing needs saying. */
export function nothingFound(request: ReplayRequest, outcome: ReplayOutcome): string | undefined {
  const sources = `searched: ${outcome.searched.join(', ')}`;
  if (outcome.unmatched.length > 0) {
    const ids = outcome.unmatched.join(', ');
    return `No dead event has id or provider id ${ids} (${sources}).`;
  }
  const selected = outcome.dryRun ? outcome.wouldReplay : outcome.replayed + outcome.skipped;
  if (selected > 0) return undefined;
  const window = [
    request.since === undefined ? '' : ` --since ${request.since}`,
    request.until === undefined ? '' : ` --until ${request.until}`,
  ].join('');
  return window
    ? `No dead event matches${window} (${sources}).`
    : `The dead-letter queue is empty (${sources}).`;
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
  const unmatched = outcome.unmatched.length > 0 ? { unmatched: outcome.unmatched } : {};
  const why = nothingFound(request, outcome);
  if (outcome.dryRun) {
    if (output.json) return output.data({ wouldReplay: outcome.wouldReplay, ...unmatched });
    output.line(
      `Would replay ${outcome.wouldReplay} dead event${outcome.wouldReplay === 1 ? '' : 's'} (dry run: nothing changed).`,
    );
  } else {
    if (output.json)
      return output.data({
        replayed: outcome.replayed,
        skipped: outcome.skipped,
        ...(outcome.overtaken > 0 ? { overtaken: outcome.overtaken } : {}),
        ...unmatched,
      });
    output.line(
      `Replayed ${outcome.replayed} dead event${outcome.replayed === 1 ? '' : 's'}${outcome.skipped ? ` (${outcome.skipped} had left the dead-letter queue meanwhile)` : ''}.`,
    );
    const overtaken = overtakenLine(outcome.overtaken);
    if (overtaken) output.line(overtaken);
  }
  if (why) output.line(why);
}

/**
 * docs/ordering.md: replayed ordered events that later events of their key went ahead of while they
 * were dead; each joins the back of its key's line. Undefined when there are none.
 */
export function overtakenLine(overtaken: number): string | undefined {
  if (overtaken === 0) return undefined;
  return overtaken === 1
    ? '1 replayed event had later events of its key delivered before it (orderBy): it is delivered after those.'
    : `${overtaken} replayed events had later events of their key delivered before them (orderBy): they are delivered after those.`;
}
