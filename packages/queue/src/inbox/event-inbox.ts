import type { HookrelayConfig } from '@hookrelay/config';
import type { RedisClient } from '../connection.js';
import type { EnqueueOptions, EnqueueResult, Enqueuer, IncomingEvent } from '../enqueue.js';
import { EventLog } from '../event-log/event-log.js';
import { deliveryQueueName } from '../names.js';
import { ReplicaBarrier } from '../replicas.js';
import { QueueUnavailableError, withTimeout } from '../write-timeout.js';
import { encodeInboxEntry } from './entry.js';
import { InboxKeys } from './keys.js';
import { inboxCommands } from './scripts.js';

/**
 * The ingress's write (docs/inbox.md): one script call per event that de-duplicates it, records it
 * in the event log and appends it to the inbox, where the intake turns it into delivery jobs off
 * the ingress's critical path. Resolves once Redis holds all of it — with AOF `appendfsync always`,
 * once it is on disk; with `redis.waitForReplicas`, once that many replicas hold it too — and only
 * then is the event acknowledged. A duplicate is confirmed the same way: the first copy's write may
 * not have reached the replicas yet.
 */
export class EventInbox implements Enqueuer {
  private readonly keys: InboxKeys;
  private readonly eventLog: EventLog;
  /** Per source: BullMQ's dedupe key prefix of its first queue (see ACCEPT in scripts.ts). */
  private readonly legacyDedupe: ReadonlyMap<string, string>;
  private readonly replicas?: ReplicaBarrier;

  constructor(
    private readonly config: HookrelayConfig,
    private readonly client: RedisClient,
  ) {
    this.keys = new InboxKeys(config.redis.prefix);
    this.eventLog = new EventLog(client, config);
    // Half the ingress's budget: the WAIT holds the connection's later writes while it lasts.
    this.replicas = ReplicaBarrier.of(config, client, config.ingress.enqueueTimeoutMs / 2);
    this.legacyDedupe = new Map(
      config.sources.map((source) => [
        source.name,
        `${config.redis.prefix}:${deliveryQueueName(source.name, source.destinations[0]!.name)}:de:`,
      ]),
    );
  }

  async enqueue(event: IncomingEvent, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    const legacyDedupe = this.legacyDedupe.get(event.source);
    if (legacyDedupe === undefined) throw new Error(`unknown source ${event.source}`);
    if (this.client.status !== 'ready')
      throw new QueueUnavailableError(`redis is ${this.client.status}`);
    const logged = this.eventLog.receivedEntry(event, options.receivedHeaders ?? {});
    const [record, index, providerIds] = logged.keys as [string, string, string | undefined];
    const keys = [this.keys.inbox(), record, index];
    if (options.dedupeId !== undefined)
      keys.push(this.keys.dedupe(options.dedupeId), legacyDedupe + options.dedupeId);
    if (providerIds !== undefined) keys.push(providerIds);
    const entry = encodeInboxEntry({
      event,
      delayUntil:
        options.delayMs && options.delayMs > 0 ? event.receivedAt + options.delayMs : undefined,
      orderKeys: options.orderKeys,
    });
    const replicas = this.replicas;
    const session = replicas?.session ?? 0;
    const accept = inboxCommands(this.client).hookrelayInboxAccept(
      keys.length,
      ...keys,
      event.id,
      logged.record,
      entry,
      logged.ttlMs,
      this.config.retention.dedupeMs,
      options.dedupeId === undefined ? '0' : '1',
      providerIds === undefined ? '0' : '1',
    );
    const confirmed = replicas
      ? accept.then(async (id) => {
          await replicas.confirm(session);
          return id;
        })
      : accept;
    const id = await withTimeout(confirmed, this.config.ingress.enqueueTimeoutMs);
    return id === event.id ? { status: 'accepted', id } : { status: 'duplicate', id };
  }

  /** Nothing of its own to close: the connection is the caller's. */
  async close(): Promise<void> {}
}
