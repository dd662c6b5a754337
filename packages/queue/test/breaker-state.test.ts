import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import {
  admitBreaker,
  breakerKey,
  breakerStateOf,
  breakerStatusOf,
  createRedis,
  recordBreaker,
  type BreakerSettings,
  type RedisClient,
} from '../src/index.js';

const PREFIX = 'breakertest';
const settings: BreakerSettings = {
  failureRate: 0.5,
  minRequests: 10,
  windowMs: 60_000,
  cooldownMs: 300,
};

describe('the circuit breaker in Redis', () => {
  let redis: TestRedis;
  let a: RedisClient;
  let b: RedisClient;
  let n = 0;
  /** A fresh destination per test. */
  const fresh = () => {
    n += 1;
    return { destination: `d${n}`, key: breakerKey(PREFIX, 'shop', `d${n}`) };
  };
  const record = (key: string, failed: boolean, token = 'a', client = a, max = 60_000) =>
    recordBreaker(client, key, token, failed, settings, max);

  beforeAll(async () => {
    redis = await startTestRedis();
    a = createRedis({ url: redis.url, prefix: PREFIX }, 'consumer', 'breaker-a');
    b = createRedis({ url: redis.url, prefix: PREFIX }, 'consumer', 'breaker-b');
  });
  afterAll(async () => {
    await Promise.all([a.quit(), b.quit()]);
    await redis.cleanup();
  });

  it('keys each destination under its queue', () => {
    expect(breakerKey('hookrelay', 'shop', 'default')).toBe(
      'hookrelay:delivery.shop.default:breaker',
    );
  });

  it('stays closed below minRequests however many fail, and opens at the threshold', async () => {
    const { destination, key } = fresh();
    for (let i = 0; i < 9; i++) expect((await record(key, true)).transition).toBeUndefined();
    expect(await breakerStateOf(a, PREFIX, 'shop', destination)).toBe('closed');
    const opened = await record(key, true);
    expect(opened).toEqual({
      transition: 'open',
      requests: 10,
      failures: 10,
      cooldownMs: 300,
      state: 'open',
    });
    expect(await breakerStateOf(b, PREFIX, 'shop', destination)).toBe('open');
    const admitted = await admitBreaker(b, key, 'b', 5_000);
    expect(admitted.ok).toBe(false);
    expect(admitted.ok === false && admitted.waitMs).toBeGreaterThan(0);
    expect(admitted.ok === false && admitted.waitMs).toBeLessThanOrEqual(300);
  });

  it('opens on the failure rate, not the count: below it stays closed', async () => {
    const { destination, key } = fresh();
    // 4 failures in 10 (40%) stays closed; the 12th attempt brings 6 in 12 (50%) and opens.
    for (const failed of [true, false, true, false, true, false, true, false, false, false])
      expect((await record(key, failed)).transition).toBeUndefined();
    expect(await record(key, true)).toMatchObject({ transition: undefined, failures: 5 });
    expect(await record(key, true)).toMatchObject({
      transition: 'open',
      requests: 12,
      failures: 6,
    });
    expect(await breakerStateOf(a, PREFIX, 'shop', destination)).toBe('open');
  });

  it('counts successes sent together as that many attempts, and says the state after each call', async () => {
    const { key } = fresh();
    // 7 successes sent at once, then 3 failures: 3 in 10 (30%) stays closed.
    expect(await recordBreaker(a, key, 'a', false, settings, 60_000, 6)).toMatchObject({
      transition: undefined,
      requests: 7,
      failures: 0,
      state: 'closed',
    });
    for (let i = 0; i < 3; i++) expect((await record(key, true)).state).toBe('closed');
    expect(await admitBreaker(b, key, 'b', 5_000)).toEqual({
      ok: true,
      halfOpened: false,
      state: 'closed',
    });
    // Successes carried by a failure count before it: 2 successes + 1 failure = 13 attempts, 4 failed.
    expect(await recordBreaker(a, key, 'a', true, settings, 60_000, 2)).toMatchObject({
      requests: 13,
      failures: 4,
      state: 'closed',
    });
    // 5 more failures: 9 in 18 (50%) opens it.
    for (let i = 0; i < 4; i++) expect((await record(key, true)).state).toBe('closed');
    expect(await record(key, true)).toMatchObject({ transition: 'open', state: 'open' });
    expect(await admitBreaker(b, key, 'b', 5_000)).toMatchObject({ ok: false, state: 'open' });
    // Counted while open: nothing changes, and the answer says it is open.
    expect(await recordBreaker(a, key, 'a', false, settings, 60_000, 5)).toMatchObject({
      transition: undefined,
      state: 'open',
    });
  });

  it('reads as closed for a destination never recorded', async () => {
    expect(await breakerStatusOf(a, PREFIX, 'shop', 'never')).toEqual({ state: 'closed' });
    expect((await admitBreaker(a, breakerKey(PREFIX, 'shop', 'never'), 'a', 1_000)).ok).toBe(true);
  });

  it('gives the probe to exactly one of many concurrent admitters on two connections', async () => {
    const { destination, key } = fresh();
    for (let i = 0; i < 10; i++) await record(key, true);
    await waitFor(
      async () => (await breakerStateOf(a, PREFIX, 'shop', destination)) === 'half-open',
    );
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        admitBreaker(i % 2 ? a : b, key, `t${i}`, 5_000).then((answer) => ({ i, answer })),
      ),
    );
    const admitted = answers.filter(({ answer }) => answer.ok);
    expect(admitted).toHaveLength(1);
    expect(admitted[0]!.answer).toEqual({ ok: true, halfOpened: true, state: 'half-open' });
    for (const { answer } of answers.filter(({ answer }) => !answer.ok))
      expect(answer.ok === false && answer.waitMs).toBeGreaterThan(0);
    expect(await breakerStateOf(a, PREFIX, 'shop', destination)).toBe('half-open');
  });

  it('closes on a successful probe (counters reset, base cooldown) and ignores other answers while half-open', async () => {
    const { destination, key } = fresh();
    for (let i = 0; i < 10; i++) await record(key, true);
    await waitFor(async () => (await admitBreaker(a, key, 'prober', 5_000)).ok);
    // A late failure from an attempt made before the breaker opened decides nothing.
    expect((await record(key, true, 'other', b)).transition).toBeUndefined();
    expect(await breakerStateOf(b, PREFIX, 'shop', destination)).toBe('half-open');
    expect((await record(key, false, 'prober')).transition).toBe('closed');
    expect(await breakerStatusOf(b, PREFIX, 'shop', destination)).toEqual({ state: 'closed' });
    // Counting starts over: 9 failures do not open it again.
    for (let i = 0; i < 9; i++) expect((await record(key, true)).transition).toBeUndefined();
    expect(await record(key, true)).toMatchObject({ transition: 'open', cooldownMs: 300 });
  });

  it('re-opens on a failed probe with the cooldown doubled, up to the cap', async () => {
    const { destination, key } = fresh();
    for (let i = 0; i < 10; i++) await record(key, true);
    const cooldowns: number[] = [];
    for (let round = 0; round < 3; round++) {
      await waitFor(async () => (await admitBreaker(a, key, 'prober', 5_000)).ok, {
        timeoutMs: 10_000,
      });
      const answer = await record(key, true, 'prober', a, 1_000);
      expect(answer.transition).toBe('open');
      cooldowns.push(answer.cooldownMs);
      const status = await breakerStatusOf(b, PREFIX, 'shop', destination);
      expect(status).toMatchObject({ state: 'open', cooldownMs: answer.cooldownMs });
    }
    expect(cooldowns).toEqual([600, 1_000, 1_000]);
  });

  it('lets another process take over the probe once its lease is over', async () => {
    const { key } = fresh();
    for (let i = 0; i < 10; i++) await record(key, true);
    await waitFor(async () => (await admitBreaker(a, key, 'crashed', 200)).ok);
    expect((await admitBreaker(b, key, 'b', 200)).ok).toBe(false);
    await waitFor(async () => (await admitBreaker(b, key, 'b', 5_000)).ok);
    expect((await record(key, false, 'b', b)).transition).toBe('closed');
  });
});
