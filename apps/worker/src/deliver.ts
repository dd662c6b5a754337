import type { Readable } from 'node:stream';
import { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { parseRetryAfter } from './backoff.js';
import type { DeliveryRequest } from './delivery-request.js';
import { connectionFailure, httpFailure, timeoutFailure } from './failure-text.js';
import { answerText, readAnswerPrefix } from './read-answer.js';

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
  deadlinePassed: boolean,
): { error: string; failure: 'timeout' | 'connection_error' } {
  // Our own deadline decides, whatever error it surfaced as (axios cancel, destroyed stream).
  if (deadlinePassed) return { error: timeoutFailure(timeoutMs), failure: 'timeout' };
  if (error instanceof AxiosError) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')
      return { error: timeoutFailure(timeoutMs), failure: 'timeout' };
    return { error: connectionFailure(error.code, error.message), failure: 'connection_error' };
  }
  return {
    error: connectionFailure(undefined, error instanceof Error ? error.message : String(error)),
    failure: 'connection_error',
  };
}

/** docs/contract.md §5: a 2xx is a delivery whatever its body; other statuses are retried or rejected. */
function classify(
  answer: AxiosResponse<unknown>,
  response: string,
  durationMs: number,
): AttemptResult {
  const status = answer.status;
  const type = answer.headers['content-type'] as unknown;
  const responseType = typeof type === 'string' && type !== '' ? type.slice(0, 200) : undefined;
  if (status >= 200 && status < 300)
    return { kind: 'delivered', status, durationMs, response, responseType };
  const error = httpFailure(status);
  if (!isRetriedStatus(status))
    return { kind: 'reject', status, error, durationMs, response, responseType };
  const retryAfterMs =
    status === 429 || status === 503
      ? parseRetryAfter(answer.headers['retry-after'] as string | undefined)
      : undefined;
  return { kind: 'retry', status, error, durationMs, retryAfterMs, response, responseType };
}

/**
 * POSTs one attempt and classifies the answer per docs/contract.md §5; never throws. `timeoutMs` bounds the
 * whole attempt (connect, headers and the part of the body we read): axios's own `timeout` stops
 * counting once the headers arrive, so a backend trickling its body could hold a worker forever.
 */
export async function deliver(
  client: AxiosInstance,
  request: DeliveryRequest,
  timeoutMs: number,
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    // Aborting the signal destroys the request, hence the socket, at any stage.
    const answer = await client.post<Readable>(request.url, request.body, {
      headers: request.headers,
      signal: deadline.signal,
    });
    const kept = await readAnswerPrefix(answer.data, deadline.signal);
    return classify(answer, answerText(kept), elapsed());
  } catch (error) {
    return {
      kind: 'retry',
      ...describeError(error, timeoutMs, deadline.signal.aborted),
      durationMs: elapsed(),
    };
  } finally {
    clearTimeout(timer);
  }
}
