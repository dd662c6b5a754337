import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '@hookrelay/testing';
import {
  createRedis,
  decodeEventRecord,
  decodeIdList,
  EventLog,
  FEED_FIELD,
  idFloor,
  isEventId,
  newEventId,
  readFeedAttempt,
  receivedAtOfId,
  type AttemptRecord,
  type RedisClient,
} from '../src/index.js';

const HOUR = 3_600_000;
const retention = { deliveredMs: 24 * HOUR, deadMs: 14 * 24 * HOUR, dedupeMs: 24 * HOUR };

describe('event ids as a time index', () => {
  it('sort as the times they were made at, and bound them', () => {
    const early = newEventId(Date.UTC(2026, 0, 1));
    const late = newEventId(Date.UTC(2026, 0, 1) + 1);
    expect(early < late).toBe(true);
    expect(isEventId(early)).toBe(true);
    expect(isEventId('evt_1QdisputeA')).toBe(false);
    expect(receivedAtOfId(early)).toBe(Date.UTC(2026, 0, 1));
    expect(idFloor(Date.UTC(2026, 0, 1)) <= early).toBe(true);
    expect(idFloor(Date.UTC(2026, 0, 1) + 1) > early).toBe(true);
    expect(idFloor(Date.UTC(2026, 0, 1) + 1) <= late).toBe(true);
  });
});

describe('EventLog', () => {
  let redis: TestRedis;
  let client: RedisClient;
  let log: EventLog;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = createRedis({ url: redis.url, prefix: 'logtest' }, 'producer', 'event-log-test');
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    log = new EventLog(client, {
      redis: { url: redis.url, prefix: 'logtest' } as never,
      retention,
    });
  });
  afterAll(async () => {
    client.disconnect();
    await redis.cleanup();
  });

  const record = (outcome: AttemptRecord['outcome'], attempt = 1): AttemptRecord => ({
    attempt,
    at: Date.now(),
    durationMs: 3,
    status: outcome === 'delivered' ? 200 : 500,
    outcome,
    response: 'the answer is never on the feed',
  });

  async function receive(source = 'stripe', eventId?: string, receivedAt = Date.now()) {
    const id = newEventId(receivedAt);
    await log.received(
      { id, source, eventId, eventType: 'charge.refunded' },
      { 'stripe-signature': '[redacted]' },
    );
    return id;
  }

  it('records what was received, kept for the longest retention until an attempt says otherwise', async () => {
    const id = await receive('stripe', 'evt_1QlogA');
    expect(decodeEventRecord(await client.get(log.keys.event(id)))).toEqual({
      source: 'stripe',
      eventId: 'evt_1QlogA',
      eventType: 'charge.refunded',
      headers: { 'stripe-signature': '[redacted]' },
    });
    expect(await client.pttl(log.keys.event(id))).toBeGreaterThan(13 * 24 * HOUR);
    expect(await client.zrange(log.keys.bySource('stripe'), 0, -1)).toContain(id);
    expect(decodeIdList(await client.get(log.keys.byProviderId('evt_1QlogA')))).toEqual([id]);
    const again = await receive('stripe', 'evt_1QlogA');
    expect(decodeIdList(await client.get(log.keys.byProviderId('evt_1QlogA')))).toEqual([
      id,
      again,
    ]);
  });

  it('shortens the record to retention.delivered once delivered, unless the event fans out', async () => {
    const only = await receive('stripe', 'evt_1QlogB');
    const fanned = await receive('shop', 'order_1');
    const of = (id: string, source: string, eventId: string) => ({
      id,
      source,
      destination: 'default',
      eventId,
    });
    await log.attempt(of(only, 'stripe', 'evt_1QlogB'), record('delivered'), {
      onlyDestination: true,
    });
    await log.attempt(of(fanned, 'shop', 'order_1'), record('delivered'), {
      onlyDestination: false,
    });
    for (const key of [log.keys.event(only), log.keys.byProviderId('evt_1QlogB')]) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeLessThanOrEqual(24 * HOUR);
      expect(ttl).toBeGreaterThan(23 * HOUR);
    }
    expect(await client.pttl(log.keys.event(fanned))).toBeGreaterThan(13 * 24 * HOUR);
  });

  it('keeps a dead event retention.dead from its death, in the dead index', async () => {
    const id = await receive('stripe', 'evt_1QlogC');
    await log.attempt({ id, source: 'stripe', destination: 'default' }, record('delivered'), {
      onlyDestination: true,
    });
    await log.attempt({ id, source: 'stripe', destination: 'default' }, record('dead', 2), {
      onlyDestination: true,
    });
    expect(await client.pttl(log.keys.event(id))).toBeGreaterThan(13 * 24 * HOUR);
    expect(await client.zrange(log.keys.dead('stripe'), 0, -1)).toContain(id);
  });

  it('puts each attempt on the capped feed, without the answer', async () => {
    const id = await receive('feedsource');
    await log.attempt({ id, source: 'feedsource', destination: 'd1' }, record('retry'), {
      onlyDestination: true,
    });
    const entries = await client.xrange(log.keys.feed(), '-', '+');
    const mine = entries
      .map(([, fields]) => readFeedAttempt(fields[fields.indexOf(FEED_FIELD) + 1]!))
      .filter((entry) => entry?.id === id);
    expect(mine).toEqual([
      expect.objectContaining({ id, destination: 'd1', attempt: 1, status: 500, outcome: 'retry' }),
    ]);
    expect(JSON.stringify(entries)).not.toContain('the answer is never on the feed');
  });

  it('forgets a duplicate, and only it', async () => {
    const first = await receive('stripe', 'evt_1QlogE');
    const duplicate = await receive('stripe', 'evt_1QlogE');
    await log.forget({ id: duplicate, source: 'stripe', eventId: 'evt_1QlogE' });
    expect(decodeIdList(await client.get(log.keys.byProviderId('evt_1QlogE')))).toEqual([first]);
    expect(await client.pttl(log.keys.byProviderId('evt_1QlogE'))).toBeGreaterThan(0);
    const id = await receive('stripe', 'evt_1QlogD');
    await log.forget({ id, source: 'stripe', eventId: 'evt_1QlogD' });
    expect(await client.exists(log.keys.event(id))).toBe(0);
    expect(await client.zscore(log.keys.bySource('stripe'), id)).toBeNull();
    expect(await client.exists(log.keys.byProviderId('evt_1QlogD'))).toBe(0);
  });

  it('trims index entries past retention whose event is gone or dead, and keeps the rest', async () => {
    const now = Date.now();
    const old = now - 2 * 24 * HOUR;
    const gone = await receive('trim', undefined, old);
    const pending = await receive('trim', undefined, old);
    const dead = await receive('trim', undefined, old);
    const recent = await receive('trim', undefined, now);
    await client.del(log.keys.event(gone));
    await log.attempt({ id: dead, source: 'trim', destination: 'default' }, record('dead'), {
      onlyDestination: true,
    });
    expect(await log.trim(['trim'], now)).toBe(2);
    expect(new Set(await client.zrange(log.keys.bySource('trim'), 0, -1))).toEqual(
      new Set([pending, recent]),
    );
    expect(await client.zrange(log.keys.dead('trim'), 0, -1)).toEqual([dead]);
    // Past retention.dead, and its record gone: out of the dead index too.
    await client.del(log.keys.event(dead));
    expect(await log.trim(['trim'], now + 15 * 24 * HOUR)).toBeGreaterThanOrEqual(1);
    expect(await client.zrange(log.keys.dead('trim'), 0, -1)).toEqual([]);
  });

  it('keeps up with a busy source: one trim removes more than a minute of 25,000 events', async () => {
    const now = Date.now();
    const old = now - 2 * 24 * HOUR;
    const ids = Array.from({ length: 25_000 }, (_, i) => newEventId(old + i));
    for (let i = 0; i < ids.length; i += 5_000)
      await client.zadd(
        log.keys.bySource('busy'),
        ...ids.slice(i, i + 5_000).flatMap((id) => [0, id]),
      );
    expect(await log.trim(['busy'], now)).toBe(25_000);
    expect(await client.zcard(log.keys.bySource('busy'))).toBe(0);
  });
});
