import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from '@hookrelay/config';
import { nextDelay, parseRetryAfter } from '../src/backoff.js';

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  attempts: 10,
  backoff: 'exponential',
  delayMs: 1_000,
  maxDelayMs: 60_000,
  jitter: 0,
  ...overrides,
});

describe('nextDelay', () => {
  it('doubles the delay after each failed attempt with exponential backoff', () => {
    expect([1, 2, 3, 4].map((n) => nextDelay(policy(), n))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('grows linearly and stays fixed with the other kinds', () => {
    expect([1, 2, 3].map((n) => nextDelay(policy({ backoff: 'linear' }), n))).toEqual([
      1_000, 2_000, 3_000,
    ]);
    expect([1, 2, 3].map((n) => nextDelay(policy({ backoff: 'fixed' }), n))).toEqual([
      1_000, 1_000, 1_000,
    ]);
  });

  it('never waits longer than maxDelay', () => {
    expect(nextDelay(policy(), 30)).toBe(60_000);
  });

  it('draws jitter below the computed delay, never above it', () => {
    expect(nextDelay(policy({ jitter: 0.5 }), 3, undefined, () => 1)).toBe(2_000);
    expect(nextDelay(policy({ jitter: 0.5 }), 3, undefined, () => 0)).toBe(4_000);
  });

  it("lets the server's Retry-After decide, capped at maxDelay", () => {
    expect(nextDelay(policy({ jitter: 0.5 }), 1, 2_000)).toBe(2_000);
    expect(nextDelay(policy(), 1, 3_600_000)).toBe(60_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
