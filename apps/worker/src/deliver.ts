import { AxiosError, type AxiosInstance } from 'axios';
import { parseRetryAfter } from './backoff.js';
import type { DeliveryRequest } from './delivery-request.js';

/** What one attempt came to; `retry` and `reject` carry what the job log and the backoff need. */
export type AttemptResult =
  | { readonly kind: 'delivered'; readonly status: number; readonly durationMs: number }
  | {
      readonly kind: 'retry';
      readonly status?: number;
      readonly error: string;
      readonly durationMs: number;
      readonly retryAfterMs?: number;
      /** Set when no HTTP answer came back. */
      readonly failure?: 'timeout' | 'connection_error';
    }
  | {
      readonly kind: 'reject';
      readonly status: number;
      readonly error: string;
      readonly durationMs: number;
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
  if (error instanceof AxiosError) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')
      return { error: `timeout after ${timeoutMs} ms`, failure: 'timeout' };
    return {
      error: error.code ? `connection error ${error.code}` : error.message,
      failure: 'connection_error',
    };
  }
  return {
    error: error instanceof Error ? error.message : String(error),
    failure: 'connection_error',
  };
}

/** POSTs one attempt and classifies the answer per SPEC §5; never throws. */
export async function deliver(
  client: AxiosInstance,
  request: DeliveryRequest,
  timeoutMs: number,
): Promise<AttemptResult> {
  const started = performance.now();
  try {
    const response = await client.post(request.url, request.body, {
      headers: request.headers,
      timeout: timeoutMs,
    });
    const durationMs = Math.round(performance.now() - started);
    const status = response.status;
    if (status >= 200 && status < 300) return { kind: 'delivered', status, durationMs };
    const error = `HTTP ${status}`;
    if (!isRetriedStatus(status)) return { kind: 'reject', status, error, durationMs };
    const retryAfter =
      status === 429 || status === 503
        ? parseRetryAfter(response.headers['retry-after'] as string | undefined)
        : undefined;
    return { kind: 'retry', status, error, durationMs, retryAfterMs: retryAfter };
  } catch (error) {
    return {
      kind: 'retry',
      ...describeError(error, timeoutMs),
      durationMs: Math.round(performance.now() - started),
    };
  }
}
