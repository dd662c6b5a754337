/**
 * Another live process holds the spool directory. Two ingresses must not share one spool
 * directory: each would append to its own segments and release the other's.
 */
export class SpoolLockedError extends Error {
  override readonly name: string = 'SpoolLockedError';
}

/** The append would take the spool's bytes on disk above `maxBytes`; nothing was written. */
export class SpoolFullError extends Error {
  override readonly name: string = 'SpoolFullError';
}

/** append() or peek() after close() began. */
export class SpoolClosedError extends Error {
  override readonly name: string = 'SpoolClosedError';
}
