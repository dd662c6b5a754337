import {
  decodeEventRecord,
  decodeIdList,
  receivedAtOfId,
  type EventLogKeys,
  type RedisClient,
} from '@hookrelay/queue';

/** What the ingress recorded of an event (docs/events.md): the event log's own record of it. */
export interface EventRecord {
  readonly id: string;
  readonly source: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly receivedAt: number;
  /** Every received header, values of secret ones masked by the ingress. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The records of `ids` (undefined where none is kept), in one pipelined round trip. */
export async function readRecords(
  connection: RedisClient,
  keys: EventLogKeys,
  ids: readonly string[],
): Promise<(EventRecord | undefined)[]> {
  if (ids.length === 0) return [];
  const stored = await connection.mget(ids.map((id) => keys.event(id)));
  return ids.map((id, i) => {
    const record = decodeEventRecord(stored[i] ?? null);
    return record && { id, ...record, receivedAt: receivedAtOfId(id) ?? 0 };
  });
}

/** Our ids of the events that carry provider id `eventId`, oldest first (some may be gone). */
export async function idsWithProviderId(
  connection: RedisClient,
  keys: EventLogKeys,
  eventId: string,
): Promise<string[]> {
  return decodeIdList(await connection.get(keys.byProviderId(eventId)));
}
