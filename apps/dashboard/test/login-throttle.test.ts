import { describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from '../src/login-throttle.js';

/** A throttle on a clock the test moves by hand. */
function throttleAt(start = 1_000_000, options: { maxClients?: number } = {}) {
  const clock = { now: start };
  const throttle = new LoginThrottle({
    maxFailures: 3,
    windowMs: 60_000,
    now: () => clock.now,
    ...options,
  });
  return { throttle, clock };
}

describe('the failed-login throttle', () => {
  it('defaults to 10 failures a minute, for at most 10 000 clients', () => {
    expect(DEFAULT_LOGIN_THROTTLE).toEqual({
      maxFailures: 10,
      windowMs: 60_000,
      maxClients: 10_000,
    });
    const throttle = new LoginThrottle();
    for (let n = 0; n < 9; n++) throttle.recordFailure('10.0.0.1');
    expect(throttle.refusedForMs('10.0.0.1')).toBe(0);
    throttle.recordFailure('10.0.0.1');
    expect(throttle.refusedForMs('10.0.0.1')).toBeGreaterThan(59_000);
  });

  it('refuses a client after its limit, until the window that its first failure opened ends', () => {
    const { throttle, clock } = throttleAt();
    expect([1, 2].map(() => throttle.recordFailure('a'))).toEqual([1, 2]);
    expect(throttle.refusedForMs('a')).toBe(0);
    clock.now += 10_000;
    expect(throttle.recordFailure('a')).toBe(3);
    expect(throttle.refusedForMs('a')).toBe(50_000);
    clock.now += 49_999;
    expect(throttle.refusedForMs('a')).toBe(1);
    clock.now += 1;
    expect(throttle.refusedForMs('a')).toBe(0);
    expect(throttle.size).toBe(0);
  });

  it('counts each client apart: one over its limit leaves another untouched', () => {
    const { throttle } = throttleAt();
    for (let n = 0; n < 3; n++) throttle.recordFailure('attacker');
    throttle.recordFailure('operator');
    expect(throttle.refusedForMs('attacker')).toBeGreaterThan(0);
    expect(throttle.refusedForMs('operator')).toBe(0);
  });

  it('starts a client afresh once its window has passed', () => {
    const { throttle, clock } = throttleAt();
    throttle.recordFailure('a');
    throttle.recordFailure('a');
    clock.now += 60_000;
    expect(throttle.recordFailure('a')).toBe(1);
    expect(throttle.refusedForMs('a')).toBe(0);
  });

  it('keeps at most maxClients, forgetting the oldest window first', () => {
    const { throttle, clock } = throttleAt(0, { maxClients: 100 });
    for (let n = 0; n < 1_000; n++) {
      clock.now += 1;
      for (let k = 0; k < 3; k++) throttle.recordFailure(`client-${n}`);
    }
    expect(throttle.size).toBe(100);
    expect(throttle.refusedForMs('client-899')).toBe(0);
    expect(throttle.refusedForMs('client-900')).toBeGreaterThan(0);
    expect(throttle.refusedForMs('client-999')).toBeGreaterThan(0);
  });

  it('drops windows that have ended when it needs room, before any still running', () => {
    const { throttle, clock } = throttleAt(0, { maxClients: 2 });
    throttle.recordFailure('old');
    clock.now += 30_000;
    for (let k = 0; k < 3; k++) throttle.recordFailure('blocked');
    clock.now += 30_000;
    throttle.recordFailure('new');
    expect(throttle.size).toBe(2);
    expect(throttle.refusedForMs('blocked')).toBe(30_000);
  });
});
