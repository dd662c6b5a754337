import { DelayedError, Worker, type Job } from 'bullmq';
import type { DestinationConfig, SourceConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import { attemptOutcome, type DeliveryMetrics } from '@hookrelay/metrics';
import {
  readDeliveryJob,
  UnreadableJobError,
  type AttemptRecord,
  type DeliveryJobData,
  type EventLog,
  type KeyOrder,
  type RedisClient,
  PARK_MS,
} from '@hookrelay/queue';
import { coalesceWrites } from './coalesce.js';
import { deliver, type AttemptResult } from './deliver.js';
import type { HttpClient } from './http-client.js';
import { buildDeliveryRequest } from './delivery-request.js';
import { NO_GUARD, type DestinationGuard, type GuardAdmission } from './destination-guard.js';
import { deadLetter, RetryableDeliveryError } from './errors.js';
import { failureLine, heldLine, unreadableLine } from './failure-text.js';
import type { RelaySigner } from './relay-signature.js';

export interface ProcessorContext {
  readonly source: SourceConfig;
  readonly destination: DestinationConfig;
  readonly client: HttpClient;
  readonly logger: Logger;
  readonly signer?: RelaySigner;
  readonly metrics: DeliveryMetrics;
  readonly now: () => number;
  /** Asked before each attempt and told after it (the circuit breaker); default NO_GUARD. */
  readonly guard?: DestinationGuard;
  /**
   * Holds the whole destination for `ms`, across every worker process (its Worker's `rateLimit`).
   * Without it (a processor run outside a Worker), a hold is an ordinary retry after that delay.
   */
  readonly hold?: (ms: number) => Promise<void>;
  /** Where each attempt is also recorded: the live feed, and the event's record kept as long as its job. */
  readonly eventLog?: EventLog;
  /**
   * The connection the Worker and the event log share: a delivered attempt's feed entry leaves in
   * the same write as the job's completion (coalesceWrites). Without it, in a write of its own.
   */
  readonly connection?: RedisClient;
  /**
   * The destination's key order (docs/ordering.md): a job that carries an order key is attempted
   * only as its key's head. Without it (a processor run outside a Worker), keys are ignored.
   */
  readonly order?: KeyOrder;
}

/**
 * The shortest hold a `Retry-After` sets: `Retry-After: 0` would otherwise have the relay ask again
 * at once, forever, since a held event spends no attempt (docs/contract.md §5).
 */
export const MIN_HOLD_MS = 1_000;

/** 429 or 503 with `Retry-After`: how long the whole destination waits (docs/contract.md §5), capped at maxDelay. */
function holdFor(result: AttemptResult, destination: DestinationConfig): number | undefined {
  if (result.kind !== 'retry' || result.retryAfterMs === undefined) return undefined;
  if (result.status !== 429 && result.status !== 503) return undefined;
  return Math.min(Math.max(result.retryAfterMs, MIN_HOLD_MS), destination.retry.maxDelayMs);
}

/**
 * What a delivered job returns, hence its return value in Redis: the delivered attempt's record
 * (docs/events.md; @hookrelay/queue completion.ts), written by BullMQ's completion itself.
 */
export type DeliveryReturn = AttemptRecord & { readonly status: number };

/** The job's data, whichever version wrote it; data no version describes dead-letters the job unattempted. */
function readJob(
  job: Job,
  { source, destination, logger, metrics }: ProcessorContext,
): DeliveryJobData {
  try {
    return readDeliveryJob(job.data);
  } catch (error) {
    if (!(error instanceof UnreadableJobError)) throw error;
    metrics.deadLettered(source.name, destination.name);
    logger.error('dead-lettered', {
      id: job.id,
      source: source.name,
      destination: destination.name,
      reason: error.message,
    });
    throw deadLetter(unreadableLine(error.message));
  }
}

/**
 * One attempt of one delivery. Returns the attempt's record when it delivered (BullMQ stores it as
 * the job's return value, with the completion); otherwise records the attempt in the job log (kept
 * with the job when it is dead-lettered), then throws RetryableDeliveryError (BullMQ retries with
 * our backoff) or UnrecoverableError (straight to the dead-letter set). What it throws is the
 * failure line BullMQ stores as the job's `failedReason` (see failure-text.ts), without a stack.
 */
export function createProcessor(context: ProcessorContext) {
  const { source, destination, client, logger, metrics, hold } = context;
  const guard = context.guard ?? NO_GUARD;
  const names = { source: source.name, destination: destination.name };
  /** Until when this process holds the destination: jobs it took just before the hold wait too. */
  let heldUntil = 0;

  /**
   * No attempt now, none spent: the job goes back to waiting (BullMQ RateLimitError) and the
   * destination's queue gives no job to any worker for `ms`.
   */
  async function holdDestination(ms: number, retryReason: string): Promise<never> {
    if (!hold) throw new RetryableDeliveryError(retryReason, ms);
    heldUntil = Math.max(heldUntil, context.now() + ms);
    await hold(ms);
    throw Worker.RateLimitError();
  }

  async function admit(): Promise<GuardAdmission> {
    try {
      return await guard.admit();
    } catch (error) {
      logger.warn('destination guard failed', { ...names, reason: (error as Error).message });
      return { ok: true };
    }
  }

  /**
   * The attempt on the live feed, and its event's record kept as long as its job. Sent at once, on
   * the connection the Worker also finishes the job on (startDeliveryWorkers gives both the same),
   * so Redis runs it before the job moves on whether or not anyone waits for the answer; a failure
   * is logged, never the attempt's.
   */
  function feedAttempt(
    data: DeliveryJobData,
    entry: AttemptRecord,
    deadReason: string | undefined,
  ): Promise<void> | undefined {
    return context.eventLog
      ?.attempt(data, entry, { onlyDestination: source.destinations.length === 1, deadReason })
      .catch((error: unknown) =>
        logger.warn('event log write failed', { ...names, reason: (error as Error).message }),
      );
  }

  /** A failed attempt in the job's log (what the event log shows) and on the live feed. */
  async function logAttempt(
    data: DeliveryJobData,
    job: Job,
    entry: AttemptRecord,
    deadReason: string | undefined,
  ): Promise<void> {
    const fed = feedAttempt(data, entry, deadReason);
    await Promise.all([job.log(JSON.stringify(entry)), fed]);
  }

  async function record(result: AttemptResult): Promise<void> {
    try {
      await guard.record(result);
    } catch (error) {
      logger.warn('destination guard failed', { ...names, reason: (error as Error).message });
    }
  }

  /**
   * Not its key's turn: into BullMQ's delayed set (no attempt spent) until a release promotes it,
   * PARK_MS at most; then parked, unless it became the head meanwhile (then promoted at once).
   */
  async function waitForTurn(job: Job, key: string, token: string | undefined): Promise<never> {
    await job.moveToDelayed(context.now() + PARK_MS, token);
    await context.order!.park(key, job.id!);
    throw new DelayedError();
  }

  /** The head is finished, delivered or dead: its key moves on. */
  async function releaseKey(data: DeliveryJobData, as: 'delivered' | 'dead'): Promise<void> {
    if (!context.order || data.orderKey === undefined) return;
    await context.order.release(data.orderKey, data.id, as);
  }

  return async (job: Job<unknown, DeliveryReturn>, token?: string): Promise<DeliveryReturn> => {
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const data = readJob(job, context);
    const { order } = context;
    if (order && data.orderKey !== undefined && !(await order.claim(data.orderKey, data.id)))
      return waitForTurn(job, data.orderKey, token);
    if (hold && heldUntil > context.now()) throw Worker.RateLimitError();
    const admission = await admit();
    if (!admission.ok) {
      logger.debug('destination held by its guard', {
        ...names,
        id: data.id,
        holdMs: admission.waitMs,
      });
      await holdDestination(admission.waitMs, 'destination held');
    }
    const request = buildDeliveryRequest(data, destination, {
      attempt,
      source: { verifyType: source.verify.type, format: source.format },
      signer: context.signer,
      nowMs: context.now(),
    });
    const result = await deliver(client, request, destination.timeoutMs);
    await record(result);
    const holdMs = hold ? holdFor(result, destination) : undefined;
    const final =
      holdMs === undefined &&
      (result.kind === 'reject' || (result.kind === 'retry' && attempt >= maxAttempts));
    const outcome: AttemptRecord['outcome'] =
      result.kind === 'delivered'
        ? 'delivered'
        : holdMs !== undefined
          ? 'held'
          : final
            ? 'dead'
            : 'retry';
    const entry: AttemptRecord = {
      attempt,
      at: context.now(),
      durationMs: result.durationMs,
      status: result.status,
      error:
        result.kind === 'delivered'
          ? undefined
          : holdMs !== undefined
            ? heldLine(result.error, holdMs)
            : result.error,
      outcome,
      // For the event log only: `meta` below, which goes to the service logs, never carries them.
      response: result.response,
      responseType: result.responseType,
    };
    /** What became of a failed attempt, one line (the dead letter's, when it is the last). */
    const reason =
      result.kind === 'delivered'
        ? ''
        : failureLine(
            result.error,
            result.kind === 'reject'
              ? { kind: 'rejected' }
              : { kind: 'retryable', attempt, maxAttempts },
          );
    // A delivered attempt's record is the job's return value (below), written with the
    // completion; nothing waits for its feed entry, sent on the same connection just before it.
    if (result.kind === 'delivered') {
      if (context.connection) coalesceWrites(context.connection);
      void feedAttempt(data, entry, undefined);
    } else await logAttempt(data, job, entry, final ? reason : undefined);
    metrics.attempt(
      source.name,
      destination.name,
      attemptOutcome(result.status, result.kind === 'retry' ? result.failure : undefined),
      result.durationMs / 1000,
    );
    const meta = {
      id: data.id,
      requestId: data.requestId,
      source: source.name,
      destination: destination.name,
      eventId: data.eventId,
      eventType: data.eventType,
      attempt,
      status: result.status,
      durationMs: result.durationMs,
    };
    if (result.kind === 'delivered') {
      const latencyMs = context.now() - data.receivedAt;
      metrics.delivered(source.name, destination.name, latencyMs / 1000);
      logger.info('delivered', { ...meta, latencyMs });
      await releaseKey(data, 'delivered');
      return { ...entry, status: result.status };
    }
    if (holdMs !== undefined) {
      logger.warn('destination held', { ...meta, reason: entry.error, holdMs });
      return holdDestination(holdMs, reason);
    }
    if (final) {
      metrics.deadLettered(source.name, destination.name);
      logger.error('dead-lettered', { ...meta, reason, attempts: attempt });
      await releaseKey(data, 'dead');
      throw deadLetter(reason);
    }
    logger.warn('delivery attempt failed', { ...meta, reason });
    throw new RetryableDeliveryError(
      reason,
      result.kind === 'retry' ? result.retryAfterMs : undefined,
    );
  };
}
