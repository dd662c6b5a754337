import type { IncomingEvent } from '../enqueue.js';

/**
 * One accepted event as it waits in the inbox: what the intake needs to write its delivery jobs.
 * A new shape gets a new `v`, and decodeInboxEntry keeps reading every version an inbox may hold
 * across a deploy.
 */
export interface InboxEntry {
  readonly v: 1;
  readonly event: IncomingEvent;
  /** Epoch ms before which delivery is held (`event.delayUntil`); absent: at once. */
  readonly delayUntil?: number;
  /** Per destination with `orderBy` (docs/ordering.md): the event's order key, as read. */
  readonly orderKeys?: Readonly<Record<string, string>>;
}

export function encodeInboxEntry(entry: Omit<InboxEntry, 'v'>): string {
  return JSON.stringify({ v: 1, ...entry });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The entry, or undefined when it is not one this version can read. */
export function decodeInboxEntry(stored: string): InboxEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.v !== 1 || !isObject(value.event)) return undefined;
  const event = value.event;
  if (
    typeof event.id !== 'string' ||
    typeof event.source !== 'string' ||
    typeof event.body !== 'string' ||
    typeof event.receivedAt !== 'number'
  )
    return undefined;
  return value as unknown as InboxEntry;
}
