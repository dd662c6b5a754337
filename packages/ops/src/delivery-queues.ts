import type { HookrelayConfig } from '@hookrelay/config';
import {
  openDeliveryQueues,
  ReplicaBarrier,
  type DeliveryQueueHandle,
  type RedisClient,
} from '@hookrelay/queue';
import { UnknownSourceError } from './errors.js';
import { ReplayableQueue } from './replayable-queue.js';

/** One destination's queue, with the names it is known by; its retries are hookrelay replays. */
export type DeliveryQueue = DeliveryQueueHandle<ReplayableQueue>;

/** A handle on every delivery queue the config declares, opened once over one shared connection. */
export class DeliveryQueues {
  private readonly bySource = new Map<string, DeliveryQueue[]>();

  constructor(
    config: HookrelayConfig,
    readonly connection: RedisClient,
  ) {
    // Replays confirm their writes on the replicas as the ingress does (ReplayableJob.retry).
    ReplicaBarrier.of(config, connection, config.ingress.enqueueTimeoutMs);
    for (const handle of openDeliveryQueues(config, connection, ReplayableQueue)) {
      const queues = this.bySource.get(handle.source) ?? [];
      queues.push(handle);
      this.bySource.set(handle.source, queues);
    }
  }

  /** Every source name, in config order. */
  sources(): string[] {
    return [...this.bySource.keys()];
  }

  all(): DeliveryQueue[] {
    return [...this.bySource.values()].flat();
  }

  /** The queues of one source; throws UnknownSourceError when the config has no such source. */
  ofSource(source: string): DeliveryQueue[] {
    const queues = this.bySource.get(source);
    if (!queues) throw new UnknownSourceError(source);
    return queues;
  }

  /** The queues of `source` when given, else every queue. */
  select(source: string | undefined): DeliveryQueue[] {
    return source === undefined ? this.all() : this.ofSource(source);
  }

  /** Closes the queues (not the shared connection, which its owner closes). Safe to call twice. */
  async close(): Promise<void> {
    await Promise.allSettled(this.all().map(({ queue }) => queue.close()));
  }
}
