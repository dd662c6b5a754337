import type { HookrelayConfig } from '@hookrelay/config';
import type { RedisClient } from '../connection.js';
import type { AttemptRecord, DeliveryJobData } from '../job.js';
import { FEED_MAX_LENGTH, type FeedAttempt } from './feed.js';
import { idFloor } from './ids.js';
import { EventLogKeys } from './keys.js';
import { encodeEventRecord } from './record.js';
import { eventLogCommands } from './scripts.js';

/** What the event log keeps of a received event, beside the delivery jobs that carry its body. */
export type ReceivedEvent = Pick<DeliveryJobData, 'id' | 'source' | 'eventId' | 'eventType'>;

/** The event an attempt belongs to, as the worker knows it. */
export type AttemptOf = Pick<
  DeliveryJobData,
  'id' | 'source' | 'destination' | 'eventId' | 'eventType'
>;

/**
 * Index entries examined per trim batch, and batches per index per trim: one trim a minute keeps
 * up with a source receiving up to 500,000 events a minute (each batch is two round trips).
 */
const TRIM_BATCH = 1_000;
const TRIM_BATCHES = 500;

/**
 * The write side of the event log (docs/events.md): the ingress records what it received, the
 * worker each attempt, and a trim keeps the indexes within retention. The record of an event lives
 * as long as its jobs: `retention.dead` until it is delivered, then `retention.delivered` after
 * the delivery (an event that fans out keeps the longest of its destinations').
 */
export class EventLog {
  readonly keys: EventLogKeys;
  private readonly deliveredMs: number;
  private readonly deadMs: number;

  constructor(
    private readonly client: RedisClient,
    config: Pick<HookrelayConfig, 'redis' | 'retention'>,
  ) {
    this.keys = new EventLogKeys(config.redis.prefix);
    this.deliveredMs = config.retention.deliveredMs;
    this.deadMs = config.retention.deadMs;
  }

  /** What `received` writes and `forget` undoes: the record, the time index, the provider-id index. */
  private keysOf(event: Pick<ReceivedEvent, 'id' | 'source' | 'eventId'>): string[] {
    const keys = [this.keys.event(event.id), this.keys.bySource(event.source)];
    if (event.eventId !== undefined) keys.push(this.keys.byProviderId(event.eventId));
    return keys;
  }

  private get longestMs(): number {
    return Math.max(this.deliveredMs, this.deadMs);
  }

  /**
   * What `received` writes, for a caller that writes it in its own script (the ingress's inbox,
   * docs/inbox.md): the keys (record, source's time index, [provider-id index]), the record
   * and its time to live.
   */
  receivedEntry(
    event: ReceivedEvent,
    headers: Readonly<Record<string, string>>,
  ): { readonly keys: string[]; readonly record: string; readonly ttlMs: number } {
    return {
      keys: this.keysOf(event),
      record: encodeEventRecord({
        source: event.source,
        eventId: event.eventId,
        eventType: event.eventType,
        headers,
      }),
      ttlMs: this.longestMs,
    };
  }

  /**
   * The event's record (`headers` already masked by the caller), its place in the source's time
   * index and its provider id, in one script. Sent beside the jobs, not before them: a reader
   * skips an id whose jobs are not there (yet, or any more).
   */
  async received(event: ReceivedEvent, headers: Readonly<Record<string, string>>): Promise<void> {
    const { keys, record, ttlMs } = this.receivedEntry(event, headers);
    await eventLogCommands(this.client).hookrelayEventReceived(
      keys.length,
      ...keys,
      event.id,
      record,
      ttlMs,
    );
  }

  /** Undoes `received` for an event that turned out to be a duplicate (no job was written for it). */
  async forget(event: Pick<ReceivedEvent, 'id' | 'source' | 'eventId'>): Promise<void> {
    const keys = this.keysOf(event);
    await eventLogCommands(this.client).hookrelayEventForget(keys.length, ...keys, event.id);
  }

  /**
   * Records one attempt on the live feed and keeps the event's record as long as its job:
   * `retention.dead` once dead, `retention.delivered` from now while it is retried or once it is
   * delivered. `onlyDestination`: the event has no other job, so a delivery may shorten the record's
   * life to its own; an event that fans out only ever lengthens it. `deadReason`: the dead letter's
   * line, for the feed.
   */
  async attempt(
    of: AttemptOf,
    record: AttemptRecord,
    { onlyDestination, deadReason }: { onlyDestination: boolean; deadReason?: string },
  ): Promise<void> {
    const entry: FeedAttempt = {
      id: of.id,
      source: of.source,
      destination: of.destination,
      eventId: of.eventId,
      eventType: of.eventType,
      attempt: record.attempt,
      at: record.at,
      durationMs: record.durationMs,
      status: record.status,
      error: record.error,
      outcome: record.outcome,
      deadReason,
    };
    const dead = record.outcome === 'dead';
    const shorten = record.outcome === 'delivered' && onlyDestination;
    const keys = [this.keys.feed(), this.keys.dead(of.source), this.keys.event(of.id)];
    if (of.eventId !== undefined) keys.push(this.keys.byProviderId(of.eventId));
    await eventLogCommands(this.client).hookrelayEventAttempt(
      keys.length,
      ...keys,
      JSON.stringify(entry),
      FEED_MAX_LENGTH,
      dead ? this.deadMs : this.deliveredMs,
      shorten ? 'set' : 'gt',
      dead ? '1' : '0',
      of.id,
    );
  }

  /**
   * Drops index entries whose event is gone: in a source's time index, those older than
   * `retention.delivered` whose record expired or that the dead index holds; in the dead index,
   * those older than `retention.dead` whose record expired. Bounded work per call (at most
   * TRIM_BATCHES × TRIM_BATCH entries per index); returns how many entries it removed.
   */
  async trim(sources: readonly string[], nowMs = Date.now()): Promise<number> {
    let removed = 0;
    for (const source of sources) {
      removed += await this.trimIndex(
        this.keys.bySource(source),
        idFloor(nowMs - this.deliveredMs),
        this.keys.dead(source),
      );
      removed += await this.trimIndex(this.keys.dead(source), idFloor(nowMs - this.deadMs));
    }
    return removed;
  }

  private async trimIndex(key: string, below: string, coveredBy?: string): Promise<number> {
    let removed = 0;
    let from = '-';
    for (let batch = 0; batch < TRIM_BATCHES; batch++) {
      const ids = await this.client.zrangebylex(key, from, `(${below}`, 'LIMIT', 0, TRIM_BATCH);
      if (ids.length === 0) break;
      const pipeline = this.client.pipeline();
      for (const id of ids) {
        pipeline.exists(this.keys.event(id));
        if (coveredBy) pipeline.zscore(coveredBy, id);
      }
      const answers = (await pipeline.exec()) ?? [];
      const step = coveredBy ? 2 : 1;
      const gone = ids.filter((_, i) => {
        const exists = answers[i * step]?.[1] === 1;
        const covered = coveredBy ? answers[i * step + 1]?.[1] !== null : false;
        return !exists || covered;
      });
      if (gone.length > 0) removed += await this.client.zrem(key, ...gone);
      if (ids.length < TRIM_BATCH) break;
      from = `(${ids.at(-1)!}`;
    }
    return removed;
  }
}
