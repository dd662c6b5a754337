import { OpsError, type LiveEvent, type Ops } from '@hookrelay/ops';
import { CliError } from '../cli-error.js';
import type { Palette } from '../colour.js';
import type { Output } from '../output.js';

export interface TailOptions {
  readonly source?: string;
}

type AttemptEvent = Extract<LiveEvent, { kind: 'attempt' }>;

/** `10:15:02.123`, in UTC like every other time the CLI prints. */
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

/** `[200]` green, `[500]` red, `[429]` yellow; `[---]` when no status came back. */
function statusTag(status: number | undefined, paint: Palette): string {
  if (status === undefined) return paint.red('[---]');
  const tag = `[${status}]`;
  if (status < 300) return paint.green(tag);
  if (status >= 500) return paint.red(tag);
  return paint.yellow(tag);
}

/** What came of an attempt, with the reason where there is one. */
function outcomeText(event: AttemptEvent, paint: Palette): string {
  const reason = event.error ?? 'no reason recorded';
  switch (event.outcome) {
    case 'delivered':
      return paint.green('delivered');
    case 'retry':
      // With a status, the error only repeats it (`HTTP 500 from the backend`).
      return paint.yellow(event.status === undefined ? `retrying: ${reason}` : 'retrying');
    case 'held':
      return paint.yellow(`held: ${reason}`);
    case 'dead':
      return paint.red(`dead-lettered: ${event.deadReason ?? reason}`);
  }
}

/**
 * One line per live event, like `stripe listen`:
 * `10:15:02.123  --> received  stripe  evt_…  payment_intent.succeeded  (evt_1Q…)`, then
 * `10:15:02.140  <-- [500] stripe → default  evt_…  attempt 1  12 ms  retrying`; a dead letter
 * starts with `xx` instead of `<--`.
 */
export function liveLine(event: LiveEvent, paint: Palette): string {
  const time = paint.dim(clock(event.at));
  if (event.kind === 'received') {
    const providerId = event.eventId === undefined ? '' : `  ${paint.dim(`(${event.eventId})`)}`;
    return `${time}  --> received  ${event.source}  ${paint.dim(event.id)}  ${event.eventType ?? '-'}${providerId}`;
  }
  const arrow = event.outcome === 'dead' ? paint.red('xx ') : '<--';
  return [
    `${time}  ${arrow} ${statusTag(event.status, paint)} ${event.source} → ${event.destination}`,
    paint.dim(event.id),
    `attempt ${event.attempt}`,
    `${event.durationMs} ms`,
    outcomeText(event, paint),
  ].join('  ');
}

/** What ioredis says when the connection is lost, in the CLI's words; other errors as they are. */
function lostRedis(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const lost =
    error.name === 'MaxRetriesPerRequestError' || /connection is closed/i.test(error.message);
  return lost ? 'lost the connection to Redis' : error.message;
}

/**
 * `hookrelay tail`: follows live traffic until SIGINT or SIGTERM (then exits 0). A line on stderr
 * says when following has started; events after it are printed on stdout, one line each, or one
 * JSON object per line with --json.
 */
export async function tail(
  ops: Ops,
  { source }: TailOptions,
  output: Output,
  paint: Palette,
): Promise<void> {
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  // Output piped into a reader that has gone (`| head`): stop following, quietly.
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.on('error', onOutputError);
  try {
    await ops.followEvents(
      {
        source,
        signal: stopping.signal,
        onReady: () =>
          output.progress.write(
            `Ready! Following events (source: ${source ?? 'all'}). Ctrl-C to stop.\n`,
          ),
      },
      (event) => {
        if (stopping.signal.aborted) return;
        output.line(output.json ? JSON.stringify(event) : liveLine(event, paint));
      },
    );
  } catch (error) {
    if (error instanceof OpsError) throw error;
    // Redis went away mid-follow: one line, as for every other failure.
    throw new CliError(`stopped following: ${lostRedis(error)}`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', onOutputError);
  }
}
