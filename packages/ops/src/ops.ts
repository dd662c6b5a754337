import type { HookrelayConfig } from '@hookrelay/config';
import { EventLogKeys, type RedisClient } from '@hookrelay/queue';
import { listDeadLetters, type DeadLetterPage, type DeadLetterQuery } from './dead-letters.js';
import { DeliveryQueues } from './delivery-queues.js';
import {
  findEvent,
  followEvents,
  listEvents,
  showEvent,
  type EventDetail,
  type EventPage,
  type EventQuery,
  type FollowOptions,
  type LiveEvent,
} from './events/index.js';
import { pauseSource, resumeSource, type PauseResult } from './pause.js';
import {
  replayDeadLetters,
  type ReplayOutcome,
  type ReplayProgress,
} from './replay-dead-letters.js';
import { replayEvent, type EventReplay } from './replay-event.js';
import type { ReplayRequest } from './replay-filter.js';
import { sourceCounts, type SourceCounts } from './source-counts.js';

/** Every operator action over one config's delivery queues: what the dashboard API and the CLI call. */
export class Ops {
  readonly queues: DeliveryQueues;
  private readonly eventLog: EventLogKeys;

  constructor(config: HookrelayConfig, connection: RedisClient) {
    this.queues = new DeliveryQueues(config, connection);
    this.eventLog = new EventLogKeys(config.redis.prefix);
  }

  sourceCounts(source?: string): Promise<SourceCounts[]> {
    return sourceCounts(this.queues, source);
  }

  listDeadLetters(query: DeadLetterQuery = {}): Promise<DeadLetterPage> {
    return listDeadLetters(this.queues, query);
  }

  replayDeadLetters(
    request: ReplayRequest,
    onProgress?: (progress: ReplayProgress) => void,
  ): Promise<ReplayOutcome> {
    return replayDeadLetters(this.queues, request, onProgress);
  }

  replayEvent(id: string): Promise<EventReplay> {
    return replayEvent(this.queues, this.eventLog, id);
  }

  /** Events newest first (docs/contract.md §6 Events); see listEvents. */
  listEvents(query: EventQuery = {}): Promise<EventPage> {
    return listEvents(this.queues, this.eventLog, query);
  }

  /**
   * Our id of the retained event that answers to `id` (ours or the provider's), without reading it;
   * undefined when none does. Throws AmbiguousEventError as showEvent does.
   */
  async resolveEventId(id: string): Promise<string | undefined> {
    return (await findEvent(this.queues, this.eventLog, id))?.id;
  }

  /** One event by our id or the provider's: the request as received and every attempt. */
  showEvent(id: string): Promise<EventDetail> {
    return showEvent(this.queues, this.eventLog, id);
  }

  /** Follows live traffic until `options.signal` aborts (`hookrelay tail`). */
  followEvents(options: FollowOptions, onEvent: (event: LiveEvent) => void): Promise<void> {
    return followEvents(this.queues, this.eventLog, options, onEvent);
  }

  pauseSource(source: string): Promise<PauseResult> {
    return pauseSource(this.queues, source);
  }

  resumeSource(source: string): Promise<PauseResult> {
    return resumeSource(this.queues, source);
  }

  /** Closes the queues; the connection belongs to the caller. */
  close(): Promise<void> {
    return this.queues.close();
  }
}
