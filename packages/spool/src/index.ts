export { Spool, defaultSegmentBytes, type SpoolOptions, type SpoolRecord } from './spool.js';
export type { CorruptRecord } from './segment-scan.js';
export { SpoolClosedError, SpoolFullError, SpoolLockedError } from './errors.js';
export { MAX_PAYLOAD_BYTES } from './record.js';
