import { describe, expect, it } from 'vitest';
import type { DestinationConfig } from '@hookrelay/config';
import type { RedisClient } from '@hookrelay/queue';
import { createBreaker } from '../src/breaker.js';
import { NO_GUARD } from '../src/destination-guard.js';

/*
 * The worker side of the circuit breaker (docs/contract.md §5): what it logs and counts for each
 * answer of the Redis scripts. The scripts themselves are tested against a real Redis in
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
