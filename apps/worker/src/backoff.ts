import type { RetryPolicy } from '@hookrelay/config';

/** How long to wait before attempt `failedAttempts + 1`; a server's Retry-After wins, capped at maxDelay. */
export function nextDelay(
  policy: RetryPolicy,
  failedAttempts: number,
  retryAfterMs?: number,
  random = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 0), policy.maxDelayMs);
  const base =
    policy.backoff === 'fixed'
      ? policy.delayMs
      : policy.backoff === 'linear'
        ? policy.delayMs * failedAttempts
        : policy.delayMs * 2 ** (failedAttempts - 1);
  const capped = Math.min(base, policy.maxDelayMs);
  return Math.round(capped * (1 - policy.jitter * random()));
}

/** `Retry-After` as seconds or an HTTP date → milliseconds from now. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(at - nowMs, 0) : undefined;
}
