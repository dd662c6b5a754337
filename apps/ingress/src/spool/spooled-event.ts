import type { EnqueueOptions, IncomingEvent } from '@hookrelay/queue';

/**
 * One spool record's payload (docs/spool.md): the event and its write options, exactly what the
 * ingress would have handed to Redis, so that draining it makes the same write.
 */
export interface SpooledEvent {
  readonly event: IncomingEvent;
  readonly options: EnqueueOptions;
}

const VERSION = 1;

export function encodeSpooledEvent(event: IncomingEvent, options: EnqueueOptions): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, event, options }));
}

/** The payload's event, or an Error saying why it cannot be read (a record of another version). */
export function decodeSpooledEvent(payload: Buffer): SpooledEvent {
  const parsed = JSON.parse(payload.toString('utf8')) as {
    v?: unknown;
    event?: IncomingEvent;
    options?: EnqueueOptions;
  };
  if (parsed.v !== VERSION) throw new Error(`spool record version ${String(parsed.v)} unknown`);
  if (typeof parsed.event?.id !== 'string' || typeof parsed.event.source !== 'string')
    throw new Error('spool record without an event');
  return { event: parsed.event, options: parsed.options ?? {} };
}
