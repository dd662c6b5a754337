/** An operation refused for a reason the caller can fix; each subclass has one HTTP status and code, and one CLI message. */
export abstract class OpsError extends Error {
  /** What the ops API answers with. */
  abstract readonly status: number;
  abstract readonly code: string;
}

/** No source of that name in the config. */
export class UnknownSourceError extends OpsError {
  override readonly name = 'UnknownSourceError';
  readonly status = 404;
  readonly code = 'unknown_source';
  constructor(readonly source: string) {
    super(`no source named "${source}" in the config`);
  }
}

/** A replay or listing filter that cannot be understood (bad date, since after until…). */
export class InvalidFilterError extends OpsError {
  override readonly name = 'InvalidFilterError';
  readonly status = 400;
  readonly code = 'invalid_filter';
}

/** No delivery queue holds an event with that id or provider id (never received, or past retention). */
export class UnknownEventError extends OpsError {
  override readonly name = 'UnknownEventError';
  readonly status = 404;
  readonly code = 'event_not_found';
  constructor(readonly id: string) {
    super(`no retained event with id or provider id "${id}"`);
  }
}

/** A provider event id that several retained events carry (sent again after `retention.dedupe`, or by two sources). */
export class AmbiguousEventError extends OpsError {
  override readonly name = 'AmbiguousEventError';
  readonly status = 409;
  readonly code = 'event_ambiguous';
  constructor(
    readonly eventId: string,
    /** The hookrelay ids of the events that carry it. */
    readonly ids: readonly string[],
  ) {
    super(
      `provider id "${eventId}" names ${ids.length} retained events (${ids.join(', ')}); use its hookrelay id`,
    );
  }
}

/** The event is still on its way (waiting, scheduled, delivering, retrying): nothing to replay yet. */
export class EventNotFinishedError extends OpsError {
  override readonly name = 'EventNotFinishedError';
  readonly status = 409;
  readonly code = 'event_not_finished';
  constructor(
    readonly id: string,
    /** Its status in each destination that holds it. */
    readonly statuses: readonly string[],
  ) {
    super(
      `event "${id}" is still being delivered (${statuses.join(', ')}); replay it once it is delivered or dead`,
    );
  }
}

/** Redis did not answer in time (CLI start-up, dashboard requests). */
export class RedisUnavailableError extends OpsError {
  override readonly name = 'RedisUnavailableError';
  readonly status = 503;
  readonly code = 'redis_unavailable';
}

/**
 * A replay written on the Redis master that fewer than `redis.waitForReplicas` replicas confirmed in
 * time: it goes ahead unless the master fails before a replica has it (docs/replicas.md).
 */
export class ReplicasUnconfirmedReplayError extends OpsError {
  override readonly name = 'ReplicasUnconfirmedReplayError';
  readonly status = 503;
  readonly code = 'replicas_unconfirmed';
}
