/**
 * What the event log keeps of a received event, beside its jobs (which hold the body, the request
 * id and the content type): one compact JSON string. Its received time is in its id.
 */
export interface StoredEventRecord {
  readonly source: string;
  readonly eventId?: string;
  readonly eventType?: string;
  /** Every received header, values of secret ones already masked. */
  readonly headers: Readonly<Record<string, string>>;
}

export function encodeEventRecord(record: StoredEventRecord): string {
  return JSON.stringify(record);
}

const isStrings = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((item) => typeof item === 'string');

/** The record as stored, or undefined when there is none or it cannot be read. */
export function decodeEventRecord(stored: string | null): StoredEventRecord | undefined {
  if (stored === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { source, eventId, eventType, headers } = value as Record<string, unknown>;
  if (typeof source !== 'string' || !isStrings(headers)) return undefined;
  return {
    source,
    eventId: typeof eventId === 'string' ? eventId : undefined,
    eventType: typeof eventType === 'string' ? eventType : undefined,
    headers,
  };
}

/** The ids a provider-id index holds (each followed by a space), oldest first. */
export function decodeIdList(stored: string | null): string[] {
  return stored === null ? [] : stored.split(' ').filter((id) => id !== '');
}
