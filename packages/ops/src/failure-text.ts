/** `\n    at Worker.processFn (file:///…/processor.js:55:19)`: a stack frame, and all that follows it. */
const FRAMES = /\n\s+at [\s\S]*$/;
/** `UnrecoverableError: `, `Error: `: an error's class name, as a stack's first line starts. */
const ERROR_NAME = /^\w*Error: /;

/**
 * A stored failure as an operator reads it: its first line, without stack frames or the error
 * class a stack starts with. New failures are stored that way already (the worker throws errors
 * without a stack); this is for those an earlier hookrelay stored, and for real crashes.
 */
export function failureText(text: string): string {
  return text.replace(FRAMES, '').replace(ERROR_NAME, '').trim();
}

/** The parts of a failed BullMQ job that hold its failure; Bull Board shows both. */
export interface StoredFailure {
  failedReason: string;
  stacktrace: string[] | null;
}

/**
 * Makes a job read from Redis show its failure as one outcome line (README "Operating
 * hookrelay"): `failedReason` cleaned by failureText (or, when empty, the last stack's first
 * line), and no stack traces, so Bull Board shows the line alone.
 */
export function presentFailure(job: StoredFailure): void {
  const stack = job.stacktrace?.at(-1);
  if (!job.failedReason && !stack) return;
  job.failedReason = failureText(job.failedReason || stack!);
  job.stacktrace = [];
}
