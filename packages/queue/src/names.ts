/** BullMQ queue that holds the deliveries of one source to one destination. */
export function deliveryQueueName(source: string, destination: string): string {
  return `delivery.${source}.${destination}`;
}

/** The other way round; undefined for queues hookrelay does not own. */
export function parseDeliveryQueueName(
  name: string,
): { source: string; destination: string } | undefined {
  const match = /^delivery\.([^.]+)\.([^.]+)$/.exec(name);
  return match ? { source: match[1]!, destination: match[2]! } : undefined;
}

/** Custom backoff strategy name the worker registers (see apps/worker backoff). */
export const BACKOFF_STRATEGY = 'hookrelay';
