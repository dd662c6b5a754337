import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '@hookrelay/config';
import { breakerKey, createRedis, type RedisClient } from '@hookrelay/queue';
import { startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import { CLOSED_TRUST_MS, createBreaker } from '../src/breaker.js';
import { NO_GUARD } from '../src/destination-guard.js';

/*
 * The worker side of the circuit breaker (docs/contract.md §5): what it logs and counts for each
 * answer of the Redis scripts, and, against a real Redis, how seldom it asks while the breaker is
 * closed. The scripts themselves are tested against a real Redis in
 * packages/queue/test/breaker-state.test.ts, the whole in tests/e2e/breaker.test.ts.
 */

const destination = {
  name: 'default',
  timeoutMs: 10_000,
  retry: { maxDelayMs: 3_600_000 },
  breaker: { failureRate: 0.5, minRequests: 20, windowMs: 30_000, cooldownMs: 30_000 },
} as unknown as DestinationConfig;

/** A breaker whose Redis scripts answer `admit` and `record`, with what it logs and counts. */
function breakerWith(admit: () => Promise<unknown>, record: () => Promise<unknown>) {
  const logged: [string, string, Record<string, unknown>][] = [];
  const transitions: string[] = [];
  const recorded: unknown[][] = [];
  const redis = {
    hookrelayBreakerAdmit: admit,
    hookrelayBreakerRecord: (...args: unknown[]) => {
      recorded.push(args);
      return record();
    },
  } as unknown as RedisClient;
  const breaker = createBreaker({
    redis,
    prefix: 'hookrelay',
    source: 'shop',
    destination,
    logger: {
      info: (message: string, fields: Record<string, unknown>) =>
        logged.push(['info', message, fields]),
      warn: (message: string, fields: Record<string, unknown>) =>
        logged.push(['warn', message, fields]),
    } as never,
    metrics: {
      breakerTransition: (source, dest, to) => transitions.push(`${source}/${dest} ${to}`),
    },
  });
  return { breaker, logged, transitions, recorded };
}

describe('the circuit breaker guard', () => {
  it('is no guard at all with `breaker: false`', () => {
    const breaker = createBreaker({
      redis: {} as RedisClient,
      prefix: 'hookrelay',
      source: 'shop',
      destination: { ...destination, breaker: false },
      logger: { info: () => undefined, warn: () => undefined } as never,
      metrics: { breakerTransition: () => undefined },
    });
    expect(breaker).toBe(NO_GUARD);
  });

  it('counts only retryable failures as failures, and logs and counts the opening', async () => {
    const { breaker, logged, transitions, recorded } = breakerWith(
      () => Promise.resolve([1, 0, '']),
      () => Promise.resolve(['open', 20, 11, 30_000]),
    );
    await breaker.record({
      kind: 'reject',
      status: 400,
      error: 'HTTP 400',
      durationMs: 1,
      response: '',
    });
    await breaker.record({ kind: 'retry', status: 503, error: 'HTTP 503', durationMs: 1 });
    expect(recorded.map((args) => [args[0], args[2]])).toEqual([
      ['hookrelay:delivery.shop.default:breaker', 0],
      ['hookrelay:delivery.shop.default:breaker', 1],
    ]);
    expect(logged[0]).toEqual([
      'warn',
      'breaker opened',
      {
        source: 'shop',
        destination: 'default',
        failureRate: 0.55,
        requests: 20,
        cooldownMs: 30_000,
      },
    ]);
    expect(transitions).toEqual(['shop/default open', 'shop/default open']);
  });

  it('says how long to wait while open, and logs the half-open and the close', async () => {
    const waiting = breakerWith(
      () => Promise.resolve([0, 1_234, '']),
      () => Promise.resolve(['', 0, 0, 0]),
    );
    expect(await waiting.breaker.admit()).toEqual({ ok: false, waitMs: 1_234 });
    expect(waiting.logged).toEqual([]);

    const probing = breakerWith(
      () => Promise.resolve([1, 0, 'half-open']),
      () => Promise.resolve(['closed', 1, 0, 30_000]),
    );
    expect(await probing.breaker.admit()).toEqual({ ok: true });
    await probing.breaker.record({ kind: 'delivered', status: 200, durationMs: 1, response: '' });
    expect(probing.logged.map(([level, message]) => `${level} ${message}`)).toEqual([
      'info breaker half-open',
      'info breaker closed',
    ]);
    expect(probing.transitions).toEqual(['shop/default half-open', 'shop/default closed']);
  });

  it('never holds deliveries back when Redis fails: admits, drops the count, logs', async () => {
    const { breaker, logged } = breakerWith(
      () => Promise.reject(new Error('Connection is closed.')),
      () => Promise.reject(new Error('Connection is closed.')),
    );
    expect(await breaker.admit()).toEqual({ ok: true });
    await expect(
      breaker.record({ kind: 'retry', error: 'timeout', durationMs: 1 }),
    ).resolves.toBeUndefined();
    expect(logged.map(([level, message]) => `${level} ${message}`)).toEqual([
      'warn breaker unavailable',
      'warn breaker unavailable',
    ]);
  });
});

describe('the circuit breaker guard against a real Redis', () => {
  let redis: TestRedis;
  let connection: RedisClient;
  const quiet = { info: () => undefined, warn: () => undefined } as never;
  const noMetrics = { breakerTransition: () => undefined };
  const guardOf = (name: string) =>
    createBreaker({
      redis: connection,
      prefix: 'breakerguard',
      source: 'shop',
      destination: { ...destination, name },
      logger: quiet,
      metrics: noMetrics,
    });
  const counts = async (name: string) => {
    const [requests, failures] = await connection.hmget(
      breakerKey('breakerguard', 'shop', name),
      'requests',
      'failures',
    );
    return { requests: Number(requests), failures: Number(failures) };
  };
  /** Scripts Redis ran so far (EVAL and EVALSHA). */
  const scriptCalls = async () =>
    [...String(await connection.info('commandstats')).matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)]
      .map((match) => Number(match[1]))
      .reduce((sum, calls) => sum + calls, 0);
  const ok = { kind: 'delivered', status: 200, durationMs: 1, response: '' } as const;
  const failed = { kind: 'retry', status: 500, error: 'HTTP 500', durationMs: 1 } as const;

  beforeAll(async () => {
    redis = await startTestRedis();
    connection = createRedis({ url: redis.url, prefix: 'breakerguard' }, 'consumer', 'guard');
  });
  afterAll(async () => {
    await connection.quit();
    await redis.cleanup();
  });

  it('while closed, admits and counts successes without a call per attempt, and counts them together', async () => {
    const guard = guardOf('busy');
    expect(await guard.admit()).toEqual({ ok: true });
    const before = await scriptCalls();
    for (let i = 0; i < 50; i++) {
      expect(await guard.admit()).toEqual({ ok: true });
      await guard.record(ok);
    }
    expect((await scriptCalls()) - before).toBeLessThanOrEqual(2);
    const counted = await waitFor(async () => {
      const now = await counts('busy');
      return now.requests === 50 ? now : undefined;
    });
    expect(counted).toEqual({ requests: 50, failures: 0 });
  });

  it('counts a failure at once, with the successes not counted yet', async () => {
    const guard = guardOf('mixed');
    await guard.admit();
    for (let i = 0; i < 5; i++) await guard.record(ok);
    await guard.record(failed);
    expect(await counts('mixed')).toEqual({ requests: 6, failures: 1 });
  });

  it('holds back a process that trusts `closed` soon after another process opened the breaker', async () => {
    const trusting = guardOf('shared');
    const opener = guardOf('shared');
    await trusting.admit();
    await trusting.record(ok);
    // The other process fails 20 times in a row: the breaker opens.
    for (let i = 0; i < 20; i++) await opener.record(failed);
    const openedAt = Date.now();
    const held = await waitFor(async () => {
      const admission = await trusting.admit();
      return admission.ok ? undefined : admission;
    });
    expect(held.waitMs).toBeGreaterThan(0);
    expect(Date.now() - openedAt).toBeLessThan(CLOSED_TRUST_MS + 1_000);
  });
});
