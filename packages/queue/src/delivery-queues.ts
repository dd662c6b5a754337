import { Queue, type QueueOptions } from 'bullmq';
import type { DestinationConfig, HookrelayConfig } from '@hookrelay/config';
import type { RedisClient } from './connection.js';
import { deliveryQueueName } from './names.js';

/** One destination's delivery queue, with the names it is known by. */
export interface DeliveryQueueHandle<Q extends Queue = Queue> {
  readonly source: string;
  readonly destination: string;
  readonly config: DestinationConfig;
  readonly queue: Q;
}

type QueueClass<Q extends Queue> = new (name: string, options: QueueOptions) => Q;

/**
 * A Queue handle on every (source, destination) of the config, in config order, over one shared
 * connection. The caller closes the queues; the connection stays its owner's.
 */
export function openDeliveryQueues<Q extends Queue = Queue>(
  config: HookrelayConfig,
  connection: RedisClient,
  QueueType: QueueClass<Q> = Queue as unknown as QueueClass<Q>,
): DeliveryQueueHandle<Q>[] {
  return config.sources.flatMap((source) =>
    source.destinations.map((destination) => ({
      source: source.name,
      destination: destination.name,
      config: destination,
      queue: new QueueType(deliveryQueueName(source.name, destination.name), {
        connection,
        prefix: config.redis.prefix,
      }),
    })),
  );
}
