/**
 * Where the event log lives in Redis (docs/events.md), beside BullMQ's keys under the same prefix.
 * BullMQ's keys are `<prefix>:delivery.<source>.<destination>:…`, so nothing here can meet them.
 */
export class EventLogKeys {
  constructor(private readonly prefix: string) {}

  /** HASH: what the ingress received (source, ids, type, masked headers); the body stays in the jobs. */
  event(id: string): string {
    return `${this.prefix}:events:event:${id}`;
  }

  /** ZSET, every member at score 0: the source's event ids, which sort by the time they were received. */
  bySource(source: string): string {
    return `${this.prefix}:events:by-source:${source}`;
  }

  /** ZSET like bySource: the source's events that were ever dead-lettered, kept `retention.dead`. */
  dead(source: string): string {
    return `${this.prefix}:events:dead:${source}`;
  }

  /** SET: our ids of the events that carry this provider event id. */
  byProviderId(eventId: string): string {
    return `${this.prefix}:events:by-provider-id:${eventId}`;
  }

  /** STREAM, capped: one entry per delivery attempt, what `hookrelay tail` follows. */
  feed(): string {
    return `${this.prefix}:events:feed`;
  }
}
