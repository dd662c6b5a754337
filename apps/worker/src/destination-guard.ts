import type { DestinationConfig, SourceConfig } from '@hookrelay/config';
import type { AttemptResult } from './deliver.js';

/** A guard's answer before an attempt: go, or hold the whole destination for `waitMs`. */
export type GuardAdmission =
  { readonly ok: true } | { readonly ok: false; readonly waitMs: number };

/**
 * What the processor asks before each attempt to one destination, and tells after it
 * (docs/contract.md §5 "Protecting the backend"): the circuit breaker (breaker.ts) is one.
 *
 * - `admit()` before the request. `{ ok: false, waitMs }`: no request is made, no attempt is spent;
 *   the destination's worker is held for `waitMs` (BullMQ `worker.rateLimit`) and the job goes back
 *   to waiting, to be taken again when the hold ends.
 * - `record(result)` after every attempt that was made: `delivered`, `retry` (its `status`, or
 *   `failure` `timeout` / `connection_error` when no complete answer came back) or `reject`.
 *
 * Neither should throw; if one does, the attempt goes ahead (admit) or the count is dropped (record),
 * and the processor logs it.
 */
export interface DestinationGuard {
  admit(): Promise<GuardAdmission>;
  record(result: AttemptResult): Promise<void>;
}

/** Admits everything, counts nothing: the guard of a destination nobody guards. */
export const NO_GUARD: DestinationGuard = {
  admit: () => Promise.resolve({ ok: true }),
  record: () => Promise.resolve(),
};

/** Which guard a (source, destination) gets (`startDeliveryWorkers` option `guardFor`); none: NO_GUARD. */
export type GuardFor = (
  source: SourceConfig,
  destination: DestinationConfig,
) => DestinationGuard | undefined;
