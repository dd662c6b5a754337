import type { Job } from 'bullmq';
import type { AxiosInstance } from 'axios';
import type { DestinationConfig, SourceConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import { attemptOutcome, type DeliveryMetrics } from '@hookrelay/metrics';
import {
  readDeliveryJob,
  UnreadableJobError,
  type AttemptRecord,
  type DeliveryJobData,
} from '@hookrelay/queue';
import { deliver } from './deliver.js';
import { buildDeliveryRequest } from './delivery-request.js';
import { deadLetter, RetryableDeliveryError } from './errors.js';
import { failureLine, unreadableLine } from './failure-text.js';
import type { RelaySigner } from './relay-signature.js';

export interface ProcessorContext {
  readonly source: SourceConfig;
  readonly destination: DestinationConfig;
  readonly client: AxiosInstance;
  readonly logger: Logger;
  readonly signer?: RelaySigner;
  readonly metrics: DeliveryMetrics;
  readonly now: () => number;
}

export interface DeliveryReturn {
  readonly status: number;
  readonly attempt: number;
  readonly durationMs: number;
}

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
 * One attempt of one delivery. Records the attempt in the job log (kept with the job when it is
 * dead-lettered), then returns, throws RetryableDeliveryError (BullMQ retries with our backoff), or
 * throws UnrecoverableError (straight to the dead-letter set). What it throws is the failure line
 * BullMQ stores as the job's `failedReason` (see failure-text.ts), without a stack.
 */
export function createProcessor(context: ProcessorContext) {
  const { source, destination, client, logger, metrics } = context;
  return async (job: Job<unknown, DeliveryReturn>): Promise<DeliveryReturn> => {
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const data = readJob(job, context);
    const request = buildDeliveryRequest(data, destination, {
      attempt,
      source: { verifyType: source.verify.type, format: source.format },
      signer: context.signer,
      nowMs: context.now(),
    });
    const result = await deliver(client, request, destination.timeoutMs);
    const final = result.kind === 'reject' || (result.kind === 'retry' && attempt >= maxAttempts);
    const outcome: AttemptRecord['outcome'] =
      result.kind === 'delivered' ? 'delivered' : final ? 'dead' : 'retry';
    const record: AttemptRecord = {
      attempt,
      at: context.now(),
      durationMs: result.durationMs,
      status: result.status,
      error: result.kind === 'delivered' ? undefined : result.error,
      outcome,
      // For the event log only: `meta` below, which goes to the service logs, never carries it.
      response: result.response,
    };
    await job.log(JSON.stringify(record));
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
      return { status: result.status, attempt, durationMs: result.durationMs };
    }
    const reason = failureLine(
      result.error,
      result.kind === 'reject' ? { kind: 'rejected' } : { kind: 'retryable', attempt, maxAttempts },
    );
    if (final) {
      metrics.deadLettered(source.name, destination.name);
      logger.error('dead-lettered', { ...meta, reason, attempts: attempt });
      throw deadLetter(reason);
    }
    logger.warn('delivery attempt failed', { ...meta, reason });
    throw new RetryableDeliveryError(
      reason,
      result.kind === 'retry' ? result.retryAfterMs : undefined,
    );
  };
}
