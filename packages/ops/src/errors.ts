/** An operation refused for a reason the caller can fix; each subclass maps to one HTTP status and one CLI message. */
export abstract class OpsError extends Error {
  abstract readonly code: string;
}

/** No source of that name in the config → 404 unknown_source. */
export class UnknownSourceError extends OpsError {
  override readonly name = 'UnknownSourceError';
  readonly code = 'unknown_source';
  constructor(readonly source: string) {
    super(`no source named "${source}" in the config`);
  }
}

/** A replay or listing filter that cannot be understood (bad date, since after until…) → 400 invalid_filter. */
export class InvalidFilterError extends OpsError {
  override readonly name = 'InvalidFilterError';
  readonly code = 'invalid_filter';
}

/** No delivery queue holds an event with that id (never received, or past retention) → 404 event_not_found. */
export class UnknownEventError extends OpsError {
  override readonly name = 'UnknownEventError';
  readonly code = 'event_not_found';
  constructor(readonly id: string) {
    super(`no retained event with id "${id}"`);
  }
}

/** The event is still on its way (waiting, delayed or being delivered): nothing to replay yet → 409 event_not_finished. */
export class EventNotFinishedError extends OpsError {
  override readonly name = 'EventNotFinishedError';
  readonly code = 'event_not_finished';
  constructor(
    readonly id: string,
    readonly states: readonly string[],
  ) {
    super(
      `event "${id}" is still being delivered (${states.join(', ')}); replay it once it is delivered or dead`,
    );
  }
}

/** Redis did not answer in time (CLI start-up, dashboard requests) → 503 redis_unavailable. */
export class RedisUnavailableError extends OpsError {
  override readonly name = 'RedisUnavailableError';
  readonly code = 'redis_unavailable';
}
