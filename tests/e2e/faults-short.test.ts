import { describe, expect, it } from 'vitest';
import { run as backendOutage } from '../faults/backend-outage.js';
import { shortForms } from './short-forms.js';
import { run as redisFreeze } from '../faults/redis-freeze.js';
import { run as redisRestart } from '../faults/redis-restart.js';
import { RECOVERY_LIMIT_MS, run as workerKills } from '../faults/worker-kills.js';

/**
 * The short form of `npm run test:faults` (tests/faults): real processes on loopback, faults
 * injected in a paced stream of signed events, then a reconciliation (docs/contract.md §8).
 */
describe('faults, short form: nothing acknowledged is lost', () => {
  const scenario = shortForms((row) => expect(row.lost).toBe(0));

  it('a worker SIGKILLed twice: what it held is attempted again within 15 s', async () => {
    const row = await scenario(workerKills);
    expect(row.recoveryMs).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
    expect(row.refused).toBe(0);
  }, 60_000);

  it('Redis SIGKILLed and restarted from its AOF twice: 503 within 1 s, accepting again', async () => {
    const row = await scenario(redisRestart);
    expect(row.refused).toBeGreaterThan(0);
    expect(row.recoveryMs).toBeDefined();
  }, 45_000);

  it('Redis frozen (SIGSTOP) then SIGCONT: 503 within 1 s, each event delivered under one id', async () => {
    const row = await scenario(redisFreeze);
    expect(row.refused).toBeGreaterThan(0);
    expect(row.recoveryMs).toBeDefined();
  }, 45_000);

  it('the backend down, then slow, then healthy: everything delivered, no attempts spent behind the breaker', async () => {
    const row = await scenario(backendOutage);
    expect(row.deadLettered).toBe(0);
    expect(row.delivered).toBeGreaterThanOrEqual(row.acknowledged);
  }, 60_000);
});
