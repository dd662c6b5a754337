import { createHash } from 'node:crypto';

/** Longer keys are replaced by their SHA-256 (a key comes from the event: its length is the sender's). */
const MAX_KEY_LENGTH = 128;

/** An event's order key as it is stored: as read, or its SHA-256 when longer than 128 characters. */
export function storedOrderKey(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : createHash('sha256').update(key).digest('hex');
}

/**
 * Where one ordered destination keeps its order (docs/ordering.md), under its queue's own prefix:
 * with a hash-tagged prefix every key here lives in the queue's Redis Cluster slot.
 */
export class OrderKeys {
  /** BullMQ's key prefix of the queue (`<prefix>:<queue>:`): job `id` is `<jobPrefix><id>`. */
  readonly jobPrefix: string;

  constructor(queue: { toKey(type: string): string }) {
    this.jobPrefix = queue.toKey('');
  }

  /** LIST: the ids of the key's unfinished events, in the order they were acknowledged. */
  line(key: string): string {
    return `${this.jobPrefix}order:${key}`;
  }

  /** SET: the ids of events parked until their key's turn. */
  parked(): string {
    return `${this.jobPrefix}order-parked`;
  }

  /** LIST: the key's dead-lettered events. */
  dead(key: string): string {
    return `${this.jobPrefix}order-dead:${key}`;
  }

  /** LIST: the events of its key delivered after the dead event `id`. */
  after(id: string): string {
    return `${this.jobPrefix}order-after:${id}`;
  }
}
