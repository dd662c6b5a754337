/**
 * Waits for every promise, including after one rejects (so every cleanup runs to its end), then
 * rethrows the first rejection in the given order, if any.
 */
export async function settleAll(promises: Iterable<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failure = results.find(
    (result): result is PromiseRejectedResult => result.status === 'rejected',
  );
  if (failure) throw failure.reason;
}
