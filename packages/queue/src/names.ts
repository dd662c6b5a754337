/** BullMQ queue that holds the deliveries of one source to one destination. */
export function deliveryQueueName(source: string, destination: string): string {
  return `delivery.${source}.${destination}`;
}

/** Custom backoff strategy name the worker registers (see apps/worker backoff). */
export const BACKOFF_STRATEGY = 'hookrelay';
