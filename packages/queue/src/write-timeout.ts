/** Redis did not confirm the write in time (or is away); nothing may be acknowledged. */
export class QueueUnavailableError extends Error {
  override readonly name: string = 'QueueUnavailableError';
}

export const asError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error));

/**
 * The write, or QueueUnavailableError when it fails or takes longer than `ms`
 * (`ingress.enqueueTimeout`): an event is acknowledged only once Redis confirmed it.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new QueueUnavailableError(`redis did not answer within ${ms} ms`)),
      ms,
    );
  });
  const write = promise.catch((error: unknown) => {
    throw error instanceof QueueUnavailableError
      ? error
      : new QueueUnavailableError('redis write failed', { cause: error });
  });
  return Promise.race([write, timeout]).finally(() => clearTimeout(timer));
}
