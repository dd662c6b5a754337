import { Job, type FinishedStatus, type RetryOptions } from 'bullmq';
import {
  deliveredAttemptOf,
  KeyOrder,
  QueueUnavailableError,
  readDeliveryJob,
  ReplicaBarrier,
  UnreadableJobError,
  type RedisClient,
} from '@hookrelay/queue';
import { ReplicasUnconfirmedReplayError } from './errors.js';
import { presentFailure } from './failure-text.js';

/**
 * Priority given to replayed deliveries. BullMQ hands out every job of the plain wait list (fresh
 * events, priority 0) before any prioritized job, so replays run only when live traffic leaves a
 * worker slot free, and among themselves in the order they were replayed (same priority → FIFO).
 */
export const REPLAY_PRIORITY = 1_000;

/**
 * Written into the job log when an event is replayed, between its old and new attempt records.
 * `from` is the BullMQ state the job left (`failed` or `completed`); parseHistory presents it as
 * the event status (`dead` or `delivered`). A delivered job's delivered attempt is its return
 * value, which BullMQ drops when it queues the job again: the replay first copies it into the
 * log, before the marker, so that the log keeps every attempt in order.
 */
export interface StoredReplayRecord {
  readonly replayedAt: number;
  readonly from: FinishedStatus;
}

/** An ordered delivery's key (docs/ordering.md) and its destination's key order. */
export interface JobKeyOrder {
  /** The order key as stored (job data `orderKey`). */
  readonly key: string;
  readonly order: KeyOrder;
}

/** The stored order key of a job's data; none for an unordered delivery or data no version reads. */
function orderKeyOf(data: unknown): string | undefined {
  try {
    return readDeliveryJob(data).orderKey;
  } catch (error) {
    if (!(error instanceof UnreadableJobError)) throw error;
    return undefined;
  }
}

/**
 * The connection the job's queue was opened on (DeliveryQueues opens every delivery queue on its
 * one shared ioredis client, which BullMQ keeps in the queue's options as given).
 */
function connectionOf(queue: { readonly name: string; readonly opts: object }): RedisClient {
  const { connection } = queue.opts as { connection?: Partial<RedisClient> };
  if (typeof connection?.defineCommand !== 'function' || typeof connection.lrange !== 'function')
    throw new TypeError(`queue ${queue.name} was not opened on a Redis client`);
  return connection as RedisClient;
}

/**
 * How long the job's dead letter is kept: its `removeOnFail` age, which baseJobOptions sets from
 * `retention.dead` (0 when it has none). KeyOrder keeps a dead event's records that long; only its
 * release writes them, and a replay never releases: it reads and rejoins.
 */
function deadMsOf(job: Job): number {
  const keep = job.opts.removeOnFail;
  return typeof keep === 'object' && 'age' in keep && keep.age !== undefined ? keep.age * 1000 : 0;
}

/**
 * A delivery job whose `retry()` is a hookrelay replay, whoever calls it (ours, Bull Board's Retry
 * buttons): it goes again under the same job id, so the backend sees the same X-Hookrelay-Id, with
 * a marker in its log, a low priority and a fresh attempt budget. The job keeps its log, so if it
 * dies again its history holds the old and the new attempts. An ordered delivery (docs/ordering.md)
 * joins the back of its key's line before it goes back to waiting, so the worker's claim finds it
 * there. Throws (BullMQ's error) when the job is no longer in `state`, e.g. replayed by someone
 * else meanwhile.
 *
 * Every reader of the delivery queues (the ops API, the CLI, Bull Board) gets its jobs through
 * here, so this is also where a stored failure becomes the one line they all show (presentFailure).
 */
export class ReplayableJob extends Job {
  static override fromJSON<T = unknown, R = unknown, N extends string = string>(
    ...args: Parameters<typeof Job.fromJSON>
  ): Job<T, R, N> {
    const job = super.fromJSON<T, R, N>(...args);
    presentFailure(job);
    return job;
  }

  /** For an ordered delivery (its data carries `orderKey`): its key and its destination's order. */
  keyOrder(): JobKeyOrder | undefined {
    const key = orderKeyOf(this.data);
    if (key === undefined) return undefined;
    return { key, order: new KeyOrder(connectionOf(this.queue), this.queue, deadMsOf(this)) };
  }

  /**
   * For a dead ordered delivery: the ids of the events of its key delivered after it died, oldest
   * first (one LRANGE); `[]` for an unordered one.
   */
  deliveredAfter(): Promise<string[]> {
    const ordered = this.keyOrder();
    return ordered ? ordered.order.deliveredAfter(this.id!) : Promise.resolve([]);
  }

  override async retry(state: FinishedStatus = 'failed', _options?: RetryOptions): Promise<void> {
    const replicas = ReplicaBarrier.on(connectionOf(this.queue));
    const session = replicas?.session ?? 0;
    const record: StoredReplayRecord = { replayedAt: Date.now(), from: state };
    const ordered = this.keyOrder();
    // Before the marker, and before BullMQ drops the return value that holds it (docs/events.md).
    const delivered = state === 'completed' ? deliveredAttemptOf(this.returnvalue) : undefined;
    if (delivered) await this.log(JSON.stringify(delivered));
    // Independent writes, sent together so that Redis can fsync them as one (appendfsync always).
    // On a finished job changePriority only sets the priority field, which BullMQ reads when it re-queues it below.
    // The place in line comes first: a worker that takes the job must find it there.
    await Promise.all([
      this.log(JSON.stringify(record)),
      this.changePriority({ priority: REPLAY_PRIORITY }),
      ordered?.order.rejoin(ordered.key, this.id!),
    ]);
    await super.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    await replicas?.confirm(session).catch((error: unknown) => {
      if (!(error instanceof QueueUnavailableError)) throw error;
      throw new ReplicasUnconfirmedReplayError(`replay of ${this.id}: ${error.message}`, {
        cause: error,
      });
    });
  }
}

/** What replaying one finished job says beyond that it went. */
export interface FinishedJobReplay {
  /**
   * For a dead ordered delivery: the events of its key delivered after it died (docs/ordering.md),
   * which it is now delivered after; `[]` otherwise.
   */
  readonly deliveredAfter: string[];
}

/** Replays a finished (dead or delivered) job read through a ReplayableQueue; see ReplayableJob. */
export async function replayFinishedJob(
  job: Job,
  from: FinishedStatus,
): Promise<FinishedJobReplay> {
  if (!(job instanceof ReplayableJob))
    throw new TypeError(`job ${job.id} was not read through a ReplayableQueue`);
  const deliveredAfter = from === 'failed' ? await job.deliveredAfter() : [];
  await job.retry(from);
  return { deliveredAfter };
}
