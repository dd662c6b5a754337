import type { EventLogKeys, RedisClient } from '@hookrelay/queue';

/** What the ingress recorded of an event (docs/events.md): the event log's own record of it. */
export interface EventRecord {
  readonly id: string;
  readonly source: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly receivedAt: number;
  readonly requestId?: string;
  readonly contentType?: string;
}

const FIELDS = [
  'source',
  'eventId',
  'eventType',
  'receivedAt',
  'requestId',
  'contentType',
] as const;

function recordOf(id: string, values: readonly (string | null)[]): EventRecord | undefined {
  const [source, eventId, eventType, receivedAt, requestId, contentType] = values;
  if (!source || !receivedAt) return undefined;
  return {
    id,
    source,
    eventId: eventId ?? undefined,
    eventType: eventType ?? undefined,
    receivedAt: Number(receivedAt),
    requestId: requestId ?? undefined,
    contentType: contentType ?? undefined,
  };
}

/** The records of `ids` (undefined where none is kept), in one pipelined round trip, headers left out. */
export async function readRecords(
  connection: RedisClient,
  keys: EventLogKeys,
  ids: readonly string[],
): Promise<(EventRecord | undefined)[]> {
  if (ids.length === 0) return [];
  const pipeline = connection.pipeline();
  for (const id of ids) pipeline.hmget(keys.event(id), ...FIELDS);
  const answers = (await pipeline.exec()) ?? [];
  return ids.map((id, i) => {
    const [error, values] = answers[i] ?? [null, []];
    if (error) throw error;
    return recordOf(id, values as (string | null)[]);
  });
}

/** The headers the ingress kept (values of secret ones already masked), or undefined when none were. */
export async function readReceivedHeaders(
  connection: RedisClient,
  keys: EventLogKeys,
  id: string,
): Promise<Record<string, string> | undefined> {
  const raw = await connection.hget(keys.event(id), 'headers');
  if (raw === null) return undefined;
  try {
    const headers = JSON.parse(raw) as unknown;
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return undefined;
    return Object.fromEntries(
      Object.entries(headers).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
  } catch {
    return undefined;
  }
}
