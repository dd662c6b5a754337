import { parseRetryAfter } from './backoff.js';
import type { DeliveryRequest } from './delivery-request.js';
import { connectionFailure, httpFailure, timeoutFailure } from './failure-text.js';
import { DeadlineError, type HttpAnswer, type HttpClient } from './http-client.js';
import { answerText } from './read-answer.js';

/**
 * What one attempt came to; `retry` and `reject` carry what the job log and the backoff need.
 * `response` is the start of the backend's answer (at most 4 KB of UTF-8) and `responseType` its
 * Content-Type, for the event log only.
 */
export type AttemptResult =
  | {
      readonly kind: 'delivered';
      readonly status: number;
      readonly durationMs: number;
      readonly response: string;
      readonly responseType?: string;
    }
  | {
      readonly kind: 'retry';
      readonly status?: number;
      readonly error: string;
      readonly durationMs: number;
      readonly retryAfterMs?: number;
      /** Set when no complete HTTP answer came back. */
      readonly failure?: 'timeout' | 'connection_error';
      readonly response?: string;
      readonly responseType?: string;
    }
  | {
      readonly kind: 'reject';
      readonly status: number;
      readonly error: string;
      readonly durationMs: number;
      readonly response: string;
      readonly responseType?: string;
    };

const RETRIED_STATUSES = new Set([408, 425, 429]);

export function isRetriedStatus(status: number): boolean {
  return (
    RETRIED_STATUSES.has(status) || status >= 500 || status < 200 || (status >= 300 && status < 400)
  );
}

function describeError(
  error: unknown,
  timeoutMs: number,
): { error: string; failure: 'timeout' | 'connection_error' } {
  // Our own deadline, or the system's connect timeout.
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof DeadlineError || code === 'ECONNABORTED' || code === 'ETIMEDOUT')
    return { error: timeoutFailure(timeoutMs), failure: 'timeout' };
  return {
    error: connectionFailure(
      typeof code === 'string' ? code : undefined,
      error instanceof Error ? error.message : String(error),
    ),
    failure: 'connection_error',
  };
}

/** docs/contract.md §5: a 2xx is a delivery whatever its body; other statuses are retried or rejected. */
function classify(answer: HttpAnswer, response: string, durationMs: number): AttemptResult {
  const status = answer.status;
  const type = answer.headers['content-type'];
  const responseType = typeof type === 'string' && type !== '' ? type.slice(0, 200) : undefined;
  if (status >= 200 && status < 300)
    return { kind: 'delivered', status, durationMs, response, responseType };
  const error = httpFailure(status);
  if (!isRetriedStatus(status))
    return { kind: 'reject', status, error, durationMs, response, responseType };
  const retryAfterMs =
    status === 429 || status === 503 ? parseRetryAfter(answer.headers['retry-after']) : undefined;
  return { kind: 'retry', status, error, durationMs, retryAfterMs, response, responseType };
}

/**
 * POSTs one attempt and classifies the answer per docs/contract.md §5; never throws. `timeoutMs` bounds the
 * whole attempt (connect, headers and the part of the body we read): a socket's idle timeout would
 * never fire on a backend trickling its body a byte at a time, so it could hold a worker forever.
 */
export async function deliver(
  client: HttpClient,
  request: DeliveryRequest,
  timeoutMs: number,
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const answer = await client.post(request.url, request.body, {
      headers: request.headers,
      timeoutMs,
    });
    return classify(answer, answerText(answer.body), elapsed());
  } catch (error) {
    return { kind: 'retry', ...describeError(error, timeoutMs), durationMs: elapsed() };
  }
}
