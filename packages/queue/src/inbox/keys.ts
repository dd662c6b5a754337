/**
 * Where the ingress's inbox lives (docs/inbox.md), under the configured prefix beside the event
 * log: with a hash-tagged prefix (`{hookrelay}`, as BullMQ asks on Redis Cluster) every key the
 * accept script touches is in one slot.
 */
export class InboxKeys {
  constructor(private readonly prefix: string) {}

  /** LIST: accepted events not yet turned into delivery jobs, oldest first. */
  inbox(): string {
    return `${this.prefix}:inbox`;
  }

  /** LIST: the batch the intake is turning into jobs; what a crashed intake left, its successor redoes. */
  taking(): string {
    return `${this.prefix}:inbox:taking`;
  }

  /** STRING with a TTL: the token of the one intake that may take from the inbox. */
  lock(): string {
    return `${this.prefix}:inbox:lock`;
  }

  /** LIST: entries the intake could not read (kept for an operator, never dropped silently). */
  unreadable(): string {
    return `${this.prefix}:inbox:unreadable`;
  }

  /** STRING with a TTL (`retention.dedupe`): the id of the event a repeat is a duplicate of. */
  dedupe(dedupeId: string): string {
    return `${this.prefix}:dedupe:${dedupeId}`;
  }
}
