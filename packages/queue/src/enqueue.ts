import { FlowProducer, Job, type JobsOptions, type Queue } from 'bullmq';
import type { HookrelayConfig } from '@hookrelay/config';
import type { RedisClient } from './connection.js';
import { baseJobOptions } from './job-options.js';
import { openDeliveryQueues } from './delivery-queues.js';
import { jobTransaction, joinLine, type JobTransaction } from './bullmq-internals.js';
import { EventLog } from './event-log/event-log.js';
import { DELIVERY_JOB_VERSION, type DeliveryJobData } from './job.js';
import { OrderKeys, storedOrderKey } from './ordering/keys.js';
import { settleAll } from './settle-all.js';
import { asError, QueueUnavailableError, withTimeout } from './write-timeout.js';

export { QueueUnavailableError } from './write-timeout.js';

/** The event as the ingress hands it over; one job per destination is made from it. */
export type IncomingEvent = Omit<DeliveryJobData, 'destination' | 'version'>;

export interface EnqueueOptions {
  /** Hold delivery this long (`event.delayUntil`). */
  readonly delayMs?: number;
  /**
   * What a repeat of this event is recognised by within `retention.dedupe`; none: never a duplicate.
   * The caller decides it (the ingress: the provider's event id, or the signed content).
   */
  readonly dedupeId?: string;
  /** The request's headers for the event log, signature and credential values already masked. */
  readonly receivedHeaders?: Readonly<Record<string, string>>;
  /** Per destination with `orderBy` (docs/ordering.md): the event's order key, as read. */
  readonly orderKeys?: Readonly<Record<string, string>>;
}

export interface EnqueuerOptions {
  /**
   * Hears its queues' errors (watchRedisAvailability's listener in the ingress) and the event
   * log's; BullMQ prints a stack trace for each error of a queue that has no listener.
   */
  readonly onError?: (error: Error) => void;
  /** Record each event in the event log (docs/events.md); off only to measure what it costs. */
  readonly eventLog?: boolean;
}

export type EnqueueResult =
  | {
      readonly status: 'accepted';
      readonly id: string;
      /** Written to the ingress's local spool, Redis being away (docs/spool.md). */
      readonly spooled?: boolean;
    }
  | { readonly status: 'duplicate'; readonly id: string };

/**
 * What the ingress writes an accepted event with: the inbox in production (EventInbox,
 * docs/inbox.md), or the delivery jobs themselves (EventEnqueuer: tests, benchmarks, the intake).
 */
export interface Enqueuer {
  /** Resolves once Redis holds the event; rejects with QueueUnavailableError otherwise. */
  enqueue(event: IncomingEvent, options?: EnqueueOptions): Promise<EnqueueResult>;
  close(): Promise<void>;
}

interface Target {
  readonly destination: string;
  readonly queue: Queue;
  readonly options: JobsOptions;
  readonly order: OrderKeys;
}

/**
 * Writes events to their destination queues: de-duplication and every fan-out job in one Redis
 * round trip (BullMQ `deduplication` with a TTL, one MULTI through FlowProducer for fan-out), and,
 * sent at the same time, the event's entry in the event log.
 */
export class EventEnqueuer implements Enqueuer {
  private readonly targets = new Map<string, Target[]>();
  private readonly flows: FlowProducer;
  private readonly queues: Queue[] = [];
  private readonly eventLog?: EventLog;
  private readonly onError: (error: Error) => void;

  constructor(
    private readonly config: HookrelayConfig,
    private readonly client: RedisClient,
    { onError, eventLog = true }: EnqueuerOptions = {},
  ) {
    this.onError = onError ?? (() => undefined);
    if (eventLog) this.eventLog = new EventLog(client, config);
    for (const handle of openDeliveryQueues(config, client)) {
      this.queues.push(handle.queue);
      const targets = this.targets.get(handle.source) ?? [];
      targets.push({
        destination: handle.destination,
        queue: handle.queue,
        options: baseJobOptions(handle.config, config.retention),
        order: new OrderKeys(handle.queue),
      });
      this.targets.set(handle.source, targets);
    }
    this.flows = new FlowProducer({ connection: client, prefix: config.redis.prefix });
    if (onError) {
      for (const queue of this.queues) queue.on('error', onError);
      this.flows.on('error', onError);
    }
  }

  /** Resolves once Redis holds a job for every destination; rejects with QueueUnavailableError otherwise. */
  async enqueue(event: IncomingEvent, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    const targets = this.targets.get(event.source);
    if (!targets) throw new Error(`unknown source ${event.source}`);
    if (this.client.status !== 'ready')
      throw new QueueUnavailableError(`redis is ${this.client.status}`);
    const ordered = targets.some((target) => options.orderKeys?.[target.destination] !== undefined);
    const write = ordered
      ? this.addOrdered(targets, event, options)
      : targets.length === 1
        ? this.addOne(targets[0]!, event, options)
        : this.addFanOut(targets, event, options);
    // The jobs are what is acknowledged: a failed log write is reported, never a reason for a 503.
    const logged = this.eventLog
      ?.received(event, options.receivedHeaders ?? {})
      .catch((error: unknown) => this.onError(asError(error)));
    const result = await withTimeout(
      Promise.all([write, logged]).then(([written]) => written),
      this.config.ingress.enqueueTimeoutMs,
    );
    if (result.status === 'duplicate') {
      this.eventLog?.forget(event).catch((error: unknown) => this.onError(asError(error)));
      if (ordered)
        this.leaveLines(targets, event, options).catch((error: unknown) =>
          this.onError(asError(error)),
        );
    }
    return result;
  }

  /** Whether events of `source` have destinations here (a source removed from the config has none). */
  hasSource(source: string): boolean {
    return this.targets.has(source);
  }

  /**
   * The delivery jobs of several events, in their order — no de-duplication, no event log, no
   * timeout — for the intake, which took them from the inbox where the ingress did all of that
   * (docs/inbox.md). Each event's jobs, and an ordered event's places in its keys' lines, are one
   * MULTI, so no worker sees a job before its place in line; the MULTIs leave together, in order,
   * and Redis runs them in that order: a batch costs one round trip. Writing an event twice writes
   * its jobs once: a job id that exists is left as it is, and an ordered event joins its key's line
   * only while its job does not exist.
   */
  async addJobsInOrder(
    events: readonly {
      readonly event: IncomingEvent;
      readonly options: Pick<EnqueueOptions, 'delayMs' | 'orderKeys'>;
    }[],
  ): Promise<void> {
    if (events.length === 0) return;
    const first = this.queues[0];
    if (!first) throw new Error('no delivery queues');
    // Every queue here shares one connection; BullMQ's wrapper of it takes its insert scripts.
    const multis = await Promise.all(events.map(() => jobTransaction(first)));
    // Each MULTI is sent as soon as it is made, so they leave in the events' order.
    const writes = events.map(({ event, options }, i) => {
      const targets = this.targets.get(event.source);
      if (!targets) throw new Error(`unknown source ${event.source}`);
      const queued = this.queueWrites(multis[i]!, targets, event, options);
      return { ...queued, commands: queued.lines + targets.length, answers: multis[i]!.exec() };
    });
    const settled = await Promise.allSettled(
      writes.map(async ({ inserts, commands, answers }) => {
        await inserts;
        confirmed(await answers, commands);
      }),
    );
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw asError(failed.reason);
  }

  private jobOptions(target: Target, event: IncomingEvent, enqueue: EnqueueOptions): JobsOptions {
    const options: JobsOptions = { ...target.options, jobId: event.id };
    if (enqueue.dedupeId !== undefined)
      options.deduplication = { id: enqueue.dedupeId, ttl: this.config.retention.dedupeMs };
    if (enqueue.delayMs && enqueue.delayMs > 0) options.delay = enqueue.delayMs;
    return options;
  }

  private async addOne(
    target: Target,
    event: IncomingEvent,
    options: EnqueueOptions,
  ): Promise<EnqueueResult> {
    const job = await target.queue.add(
      event.eventType ?? 'event',
      jobData(event, target),
      this.jobOptions(target, event, options),
    );
    return resultFor(event.id, job.id);
  }

  private async addFanOut(
    targets: readonly Target[],
    event: IncomingEvent,
    options: EnqueueOptions,
  ): Promise<EnqueueResult> {
    const trees = await this.flows.addBulk(
      targets.map((target) => ({
        name: event.eventType ?? 'event',
        queueName: target.queue.name,
        data: jobData(event, target),
        opts: this.jobOptions(target, event, options),
      })),
    );
    if (!trees || trees.length !== targets.length)
      throw new QueueUnavailableError('fan-out write was not confirmed');
    return resultFor(event.id, trees[0]!.job.id);
  }

  /**
   * docs/ordering.md: each ordered job's place in its key's line and every job, in one MULTI, so
   * no worker sees a job before its place in line, nor a place without a job (but a duplicate's,
   * which leaveLines removes). A place is taken only by an event whose job is not there yet, so
   * writing an event again (the intake redoing a batch) never puts it in line twice. The jobs are
   * inserted as Queue.add inserts them (BullMQ's transaction insert, which its FlowProducer uses too).
   */
  private async addOrdered(
    targets: readonly Target[],
    event: IncomingEvent,
    options: EnqueueOptions,
  ): Promise<EnqueueResult> {
    const multi = await jobTransaction(targets[0]!.queue);
    const { lines, inserts } = this.queueWrites(multi, targets, event, options);
    await inserts;
    const answers = confirmed(await multi.exec(), lines + targets.length);
    const stored = answers[lines]![1];
    if (typeof stored !== 'string') throw new QueueUnavailableError('write was not confirmed');
    return resultFor(event.id, stored);
  }

  /**
   * Queues one event's writes in `multi`: its place in each of its keys' lines (JOIN: only while
   * its job does not exist), then its job for every target, as BullMQ's transaction insert queues
   * it. `lines`: how many line commands come first; `inserts` rejects when BullMQ refused to queue
   * a job (its options), which must then fail the write.
   */
  private queueWrites(
    multi: JobTransaction,
    targets: readonly Target[],
    event: IncomingEvent,
    options: Pick<EnqueueOptions, 'delayMs' | 'orderKeys'>,
  ): { lines: number; inserts: Promise<unknown> } {
    let lines = 0;
    for (const target of targets) {
      const key = options.orderKeys?.[target.destination];
      if (key === undefined) continue;
      joinLine(
        multi,
        target.order.line(storedOrderKey(key)),
        target.queue.toKey(event.id),
        event.id,
      );
      lines += 1;
    }
    const inserts = targets.map((target) =>
      new Job(
        target.queue,
        event.eventType ?? 'event',
        jobData(event, target, options.orderKeys?.[target.destination]),
        this.jobOptions(target, event, options),
        event.id,
      ).addJob(multi as never),
    );
    return { lines, inserts: Promise.all(inserts) };
  }

  /** A duplicate's places in its keys' lines: it has no job, so it must not hold up its keys. */
  private async leaveLines(
    targets: readonly Target[],
    event: IncomingEvent,
    options: EnqueueOptions,
  ): Promise<void> {
    await Promise.all(
      targets.map((target) => {
        const key = options.orderKeys?.[target.destination];
        return key === undefined
          ? undefined
          : this.client.lrem(target.order.line(storedOrderKey(key)), 1, event.id);
      }),
    );
  }

  async close(): Promise<void> {
    await settleAll([...this.queues.map((queue) => queue.close()), this.flows.close()]);
  }
}

/** The one place job data is made, so every job carries the current version. */
function jobData(event: IncomingEvent, target: Target, orderKey?: string): DeliveryJobData {
  const data: DeliveryJobData = {
    version: DELIVERY_JOB_VERSION,
    ...event,
    destination: target.destination,
  };
  return orderKey === undefined ? data : { ...data, orderKey: storedOrderKey(orderKey) };
}

/** A MULTI's answers once each of its `commands` was run without an error. */
function confirmed(
  answers: [Error | null, unknown][] | null,
  commands: number,
): [Error | null, unknown][] {
  if (!answers || answers.length !== commands)
    throw new QueueUnavailableError('write was not confirmed');
  for (const [error] of answers) if (error) throw error;
  return answers;
}

function resultFor(proposedId: string, storedId: string | undefined): EnqueueResult {
  if (storedId === undefined) throw new QueueUnavailableError('write was not confirmed');
  return storedId === proposedId
    ? { status: 'accepted', id: proposedId }
    : { status: 'duplicate', id: storedId };
}
