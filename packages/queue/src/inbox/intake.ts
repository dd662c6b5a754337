import { randomUUID } from 'node:crypto';
import type { HookrelayConfig } from '@hookrelay/config';
import { blockingCopyOf, failFastCopyOf, type RedisClient } from '../connection.js';
import { EventEnqueuer } from '../enqueue.js';
import { asError } from '../write-timeout.js';
import { decodeInboxEntry, type InboxEntry } from './entry.js';
import { InboxKeys } from './keys.js';
import { inboxCommands } from './scripts.js';

export interface IntakeLog {
  warn(message: string, fields: Record<string, unknown>): unknown;
  error(message: string, fields: Record<string, unknown>): unknown;
}

export interface IntakeOptions {
  readonly config: HookrelayConfig;
  /**
   * A consumer-role connection. The intake makes two of its own from it: one that fails fast for
   * its writes (failFastCopyOf: nothing of a batch cut short by a failover is sent again to the new
   * master; the next turn starts from what that master holds), one for its blocking wait.
   */
  readonly connection: RedisClient;
  readonly log: IntakeLog;
  /** Hears the errors of the queues it writes to (BullMQ prints those nobody listens to). */
  readonly onError?: (error: Error) => void;
  /** Told how many events each batch turned into jobs (the worker's metric). */
  readonly onWritten?: (events: number) => void;
  /** Entries per batch; default 200. */
  readonly batchSize?: number;
  /** How long the lock outlives its holder (docs/inbox.md, failover); default 1.5 s. */
  readonly lockMs?: number;
}

/** How long one blocking wait for the next event lasts. */
const BLOCK_SECONDS = 1;
/** A failed turn is retried after this long. */
const RETRY_MS = 1_000;

/**
 * Turns the inbox into delivery jobs (docs/inbox.md). One intake at a time holds the lock, renewed
 * every fifth of `lockMs`, so events become jobs in the order they were acknowledged (what
 * `orderBy` keys rely on); the others ask for it as often and take over within about `lockMs` of
 * its holder's death. A batch moves to `taking` in the same script that takes it from the inbox
 * and leaves it once every job of it is written: a batch cut short by a crash, an outage or a lost
 * lock is written again by the next holder before anything new, and writing an event twice writes
 * its jobs once (EventEnqueuer.addJobsInOrder).
 */
export class Intake {
  private readonly keys: InboxKeys;
  private readonly jobs: EventEnqueuer;
  private readonly redis: RedisClient;
  private readonly blocking: RedisClient;
  private readonly token = randomUUID();
  private readonly batchSize: number;
  private readonly lockMs: number;
  private readonly renewal: NodeJS.Timeout;
  private leading = false;
  private stopped = false;
  private failing = false;
  private wake?: () => void;
  private readonly running: Promise<void>;
  private closing?: Promise<void>;

  constructor(private readonly options: IntakeOptions) {
    const { config, connection } = options;
    this.keys = new InboxKeys(config.redis.prefix);
    this.redis = failFastCopyOf(connection);
    this.redis.on('error', () => undefined);
    this.jobs = new EventEnqueuer(config, this.redis, {
      eventLog: false,
      onError: options.onError,
    });
    this.blocking = blockingCopyOf(connection);
    this.blocking.on('error', () => undefined);
    this.batchSize = options.batchSize ?? 200;
    this.lockMs = options.lockMs ?? 1_500;
    this.renewal = setInterval(() => void this.lead(), Math.max(50, Math.floor(this.lockMs / 5)));
    this.running = this.run();
  }

  /**
   * Stops after the batch in hand (written in full while Redis answers; left in `taking` for the
   * next holder otherwise), lets the lock go, closes its connections.
   */
  close(): Promise<void> {
    return (this.closing ??= this.stop());
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewal);
    this.wake?.();
    this.blocking.disconnect();
    const redis = this.redis;
    // With Redis away the batch in hand cannot finish, and waiting for it would hold the process.
    if (redis.status === 'ready') {
      await this.running;
      await inboxCommands(redis)
        .hookrelayInboxStepDown(this.keys.lock(), this.token)
        .catch(() => undefined);
    }
    await this.jobs.close();
    this.redis.disconnect();
  }

  /** Takes or renews the lock; `leading` says whether this intake holds it. */
  private async lead(): Promise<boolean> {
    if (this.stopped) return false;
    try {
      this.leading =
        (await inboxCommands(this.redis).hookrelayInboxLead(
          this.keys.lock(),
          this.token,
          this.lockMs,
        )) === 1;
    } catch {
      this.leading = false;
    }
    return this.leading;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.turn();
        if (this.failing) this.options.log.warn('intake resumed', {});
        this.failing = false;
      } catch (error) {
        if (this.stopped) break;
        // One line per outage, not one per retry.
        if (!this.failing)
          this.options.log.warn('intake paused', { reason: asError(error).message });
        this.failing = true;
        await this.pause(RETRY_MS);
      }
    }
  }

  private async turn(): Promise<void> {
    if (!this.leading && !(await this.lead())) return this.pause(Math.floor(this.lockMs / 5));
    const entries = await this.take();
    if (entries === null) return;
    if (entries.length === 0) {
      // Wait for the inbox to hold something, taking nothing: BLMOVE from a list to its own head
      // leaves it as it was. Whatever arrives is taken by the next turn, under the lock.
      await this.blocking.blmove(
        this.keys.inbox(),
        this.keys.inbox(),
        'LEFT',
        'LEFT',
        BLOCK_SECONDS,
      );
      return;
    }
    await this.write(entries);
    await inboxCommands(this.redis).hookrelayInboxDone(
      this.keys.lock(),
      this.keys.taking(),
      this.token,
    );
    this.options.onWritten?.(entries.length);
  }

  /** The batch to write — one left in `taking`, or the next from the inbox — or null without the lock. */
  private async take(): Promise<string[] | null> {
    const entries = await inboxCommands(this.redis).hookrelayInboxTake(
      this.keys.lock(),
      this.keys.inbox(),
      this.keys.taking(),
      this.token,
      this.batchSize,
    );
    if (entries === null) this.leading = false;
    return entries;
  }

  /**
   * Every entry's jobs, in inbox order, in one round trip (EventEnqueuer.addJobsInOrder). An entry
   * that cannot be delivered (unreadable, or of a source no longer configured) goes to the
   * unreadable list with an error line: never dropped silently.
   */
  private async write(stored: readonly string[]): Promise<void> {
    const now = Date.now();
    const unreadable: string[] = [];
    const events: { event: InboxEntry['event']; options: ReturnType<typeof jobOptionsOf> }[] = [];
    for (const item of stored) {
      const entry = decodeInboxEntry(item);
      if (entry && this.jobs.hasSource(entry.event.source))
        events.push({ event: entry.event, options: jobOptionsOf(entry, now) });
      else unreadable.push(item);
    }
    if (unreadable.length > 0) {
      await this.redis.rpush(this.keys.unreadable(), ...unreadable);
      this.options.log.error('inbox entries unreadable', {
        count: unreadable.length,
        list: this.keys.unreadable(),
      });
    }
    await this.jobs.addJobsInOrder(events);
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function jobOptionsOf(entry: InboxEntry, now: number) {
  return {
    delayMs: entry.delayUntil === undefined ? undefined : Math.max(0, entry.delayUntil - now),
    orderKeys: entry.orderKeys,
  };
}
