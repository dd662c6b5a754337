import { UnrecoverableError } from 'bullmq';

/**
 * BullMQ stores a failed attempt's `stack` with the job, and Bull Board shows it as the job's
 * error. A delivery outcome is not a crash: its errors carry no stack, so what is stored and shown
 * is the failure line alone (README "Operating hookrelay").
 */
function withoutStack<T extends Error>(error: T): T {
  error.stack = undefined;
  return error;
}

/** A failed attempt worth retrying (408, 425, 429, 5xx, timeout, connection error). */
export class RetryableDeliveryError extends Error {
  override readonly name = 'RetryableDeliveryError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    withoutStack(this);
  }
}

/** The event goes to the dead-letter set now, whatever attempts are left; `message` says why. */
export function deadLetter(message: string): UnrecoverableError {
  return withoutStack(new UnrecoverableError(message));
}
