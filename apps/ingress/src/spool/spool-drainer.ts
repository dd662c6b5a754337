import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@hookrelay/logger';
import type { SpoolMetrics } from '@hookrelay/metrics';
import { QueueUnavailableError, type Enqueuer } from '@hookrelay/queue';
import type { Spool, SpoolRecord } from '@hookrelay/spool';
import { decodeSpooledEvent } from './spooled-event.js';

/** Records handed to Redis together (in order, on one connection), then released together. */
const BATCH = 100;
/** How long to wait before trying Redis again. */
const RETRY_MS = 250;

export interface DrainerOptions {
  readonly spool: Spool;
  /** Redis's write (EventInbox): the same the ingress makes for an event not spooled. */
  readonly redis: Enqueuer;
  /** Whether the Redis connection is up now (it fails fast otherwise). */
  readonly redisReady: () => boolean;
  readonly logger: Logger;
  readonly metrics: SpoolMetrics;
}

/**
 * Moves spooled events into Redis as soon as it answers, oldest first (docs/spool.md). A batch is
 * sent at once on the ingress's one connection, so Redis applies it in spool order, and released
 * once Redis confirmed all of it. Anything cut short is sent again: each event is written with a
 * de-duplication id (its provider's, or else its own id), so a record drained twice, or an event
 * whose Redis write was applied after it was spooled, is queued once.
 */
export class SpoolDrainer {
  private stopped = false;
  private wakeUp?: () => void;
  private readonly running: Promise<void>;
  /** The backlog being drained: how many records and since when, for the `spool drained` line. */
  private backlog?: { readonly startedAt: number; drained: number; duplicates: number };
  private paused = false;

  constructor(private readonly options: DrainerOptions) {
    // Only the disk failing under the spool gets here (a record changed since it was checked at
    // start). Exit and let the supervisor restart the ingress: the start-up scan finds the damage,
    // reports it and drains everything before it.
    this.running = this.run().catch((error: unknown) => {
      options.logger.error('spool drain failed', {
        reason: error instanceof Error ? error.message : String(error),
      });
      process.exit(1);
    });
  }

  /** There is something new in the spool. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops after the batch in hand; what is left stays in the spool for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.options.spool.pending === 0) {
        this.finishBacklog();
        await this.idle();
      } else if (!this.options.redisReady()) await sleep(RETRY_MS);
      else await this.drainBatch();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = undefined;
        resolve();
      };
      if (this.stopped || this.options.spool.pending > 0) this.wakeUp();
    });
  }

  private async drainBatch(): Promise<void> {
    const { spool, logger, metrics } = this.options;
    const records = await spool.peek(BATCH);
    const last = records.at(-1);
    if (!last) return;
    this.backlog ??= { startedAt: Date.now(), drained: 0, duplicates: 0 };
    try {
      const outcomes = await Promise.all(records.map((record) => this.drainOne(record)));
      await spool.release(last);
      for (const outcome of outcomes) {
        metrics.records(outcome);
        if (outcome === 'drained') this.backlog.drained += 1;
        if (outcome === 'duplicate') this.backlog.duplicates += 1;
      }
      if (this.paused) logger.warn('spool drain resumed', { pending: spool.pending });
      this.paused = false;
    } catch (error) {
      if (!(error instanceof QueueUnavailableError)) throw error;
      // One line per outage, not one per retry.
      if (!this.paused)
        logger.warn('spool drain paused', { reason: error.message, pending: spool.pending });
      this.paused = true;
      await sleep(RETRY_MS);
    }
  }

  private async drainOne(record: SpoolRecord): Promise<'drained' | 'duplicate' | 'corrupt'> {
    let spooled;
    try {
      spooled = decodeSpooledEvent(record.payload);
    } catch (error) {
      this.options.logger.error('spool record unreadable', {
        reason: error instanceof Error ? error.message : String(error),
      });
      return 'corrupt';
    }
    const { event, options } = spooled;
    try {
      const result = await this.options.redis.enqueue(event, {
        ...options,
        dedupeId: options.dedupeId ?? `hookrelay-id:${event.id}`,
      });
      return result.status === 'accepted' ? 'drained' : 'duplicate';
    } catch (error) {
      if (error instanceof QueueUnavailableError) throw error;
      // Redis will never take it (its source was removed from the config since): say which.
      this.options.logger.error('spool record not queued', {
        id: event.id,
        source: event.source,
        reason: error instanceof Error ? error.message : String(error),
      });
      return 'corrupt';
    }
  }

  private finishBacklog(): void {
    if (!this.backlog) return;
    const { startedAt, drained, duplicates } = this.backlog;
    const ms = Date.now() - startedAt;
    this.options.logger.info('spool drained', {
      drained,
      duplicates,
      ms,
      perSecond: ms > 0 ? Math.round(((drained + duplicates) * 1000) / ms) : undefined,
    });
    this.backlog = undefined;
  }
}
