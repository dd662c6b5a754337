import {
  QueueUnavailableError,
  type EnqueueOptions,
  type EnqueueResult,
  type Enqueuer,
  type IncomingEvent,
} from '@hookrelay/queue';
import { SpoolFullError, type Spool } from '@hookrelay/spool';
import type { SpoolMetrics } from '@hookrelay/metrics';
import { encodeSpooledEvent } from './spooled-event.js';

/**
 * The ingress's write with `ingress.spool` on (docs/spool.md): to Redis as always; when Redis
 * fails or exceeds `enqueueTimeout`, to the local spool (fsync'd before the 202) instead. While
 * the spool holds anything, new events go there too, behind the older ones, so that the drainer
 * hands them to Redis in the order they were acknowledged (what `orderBy` keys rely on).
 */
export class SpooledEnqueuer implements Enqueuer {
  /** Appends in flight: they count as held by the spool, for ordering. */
  private appending = 0;
  /** The last append found the spool full (cleared by the next one that fits). */
  private full = false;

  constructor(
    private readonly redis: Enqueuer,
    private readonly spool: Spool,
    private readonly metrics: SpoolMetrics,
    /** Told after each append: the drainer has something to do. */
    private readonly onSpooled: () => void,
  ) {}

  /** Whether events are waiting in the spool (or being written to it). */
  get holding(): boolean {
    return this.spool.pending > 0 || this.appending > 0;
  }

  async enqueue(event: IncomingEvent, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    if (!this.holding) {
      try {
        return await this.redis.enqueue(event, options);
      } catch (error) {
        if (!(error instanceof QueueUnavailableError)) throw error;
      }
    }
    await this.append(event, options);
    this.onSpooled();
    return { status: 'accepted', id: event.id, spooled: true };
  }

  /**
   * Why the ingress takes events although Redis would not (`/readyz` then answers `degraded`), or
   * undefined: not degraded with Redis writable and the spool empty, unavailable with Redis away
   * and the spool full.
   */
  degradedReason(redisWritable: boolean): string | undefined {
    if (!redisWritable) return this.full ? undefined : 'redis unavailable: events go to the spool';
    return this.holding ? 'spooled events draining into redis' : undefined;
  }

  private async append(event: IncomingEvent, options: EnqueueOptions): Promise<void> {
    this.appending += 1;
    try {
      await this.spool.append(encodeSpooledEvent(event, options));
      this.full = false;
      this.metrics.records('spooled');
    } catch (error) {
      if (error instanceof SpoolFullError) {
        this.full = true;
        throw new QueueUnavailableError('redis unavailable and the spool is full', {
          cause: error,
        });
      }
      throw new QueueUnavailableError('redis unavailable and the spool write failed', {
        cause: error,
      });
    } finally {
      this.appending -= 1;
    }
  }

  close(): Promise<void> {
    return this.redis.close();
  }
}
