/**
 * The words every operator surface shows for a failed delivery (README "Operating hookrelay"):
 * the attempt log's `error`, the dead letter's last error (`dlq list`, `/api/dead-letters`, Bull
 * Board) and the service log's `reason`. An attempt's failure says what happened; the job's
 * failure adds what became of the event.
 */

/** `500 ms`, `2 s`, `1.5 s`, `90 s`, `2 min`: how people say a timeout. */
export function humanDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

export const httpFailure = (status: number): string => `HTTP ${status} from the backend`;

export const timeoutFailure = (timeoutMs: number): string =>
  `timeout after ${humanDuration(timeoutMs)}`;

/** What the common Node.js socket error codes mean, for the ones an operator meets. */
const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate for another host',
};

/** `connection refused (ECONNREFUSED)`; without a code, the error's own message. */
export function connectionFailure(code: string | undefined, message: string): string {
  if (!code) return `connection error: ${message}`;
  return `${CONNECTION_CODES[code] ?? 'connection error'} (${code})`;
}

/** Where an attempt leaves the event. */
export type Verdict =
  /** The status is one that is never retried (docs/contract.md §5). */
  | { readonly kind: 'rejected' }
  /** A retryable failure: another attempt follows, or none is left. */
  | { readonly kind: 'retryable'; readonly attempt: number; readonly maxAttempts: number };

/**
 * The job's failure line: `HTTP 400 from the backend — not retried`, `timeout after 10 s, attempt
 * 3 of 10`. "n of m" only where retries were possible.
 */
export function failureLine(attemptFailure: string, verdict: Verdict): string {
  if (verdict.kind === 'rejected') return `${attemptFailure} — not retried`;
  if (verdict.maxAttempts <= 1) return `${attemptFailure} — not retried (retry.attempts is 1)`;
  return `${attemptFailure}, attempt ${verdict.attempt} of ${verdict.maxAttempts}`;
}

/**
 * An answer that holds the whole destination (docs/contract.md §5 "Protecting the backend"):
 * `HTTP 429 from the backend — destination held 3 s`. The attempt is not spent.
 */
export const heldLine = (attemptFailure: string, holdMs: number): string =>
  `${attemptFailure} — destination held ${humanDuration(holdMs)}`;

/** Job data this hookrelay cannot read: dead-lettered before any attempt. */
export const unreadableLine = (problem: string): string => `${problem} — not attempted`;
