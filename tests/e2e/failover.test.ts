import { describe, expect, it } from 'vitest';
import { shortForms } from './short-forms.js';
import { frozenMaster } from '../faults/frozen-master.js';
import { laggingReplicaRun } from '../faults/lagging-replica.js';
import { failover } from '../faults/replica-failover.js';

/**
 * The short forms of the failover scenarios of `npm run test:faults` (tests/faults): hookrelay on a
 * master + replica watched by 3 sentinels, and on a 6-node Redis Cluster, the master holding its
 * keys SIGKILLed or frozen mid-stream. With a replica in sync nothing acknowledged is lost; with a
 * replica cut off, what the master acknowledged meanwhile is lost unless `redis.waitForReplicas`
 * holds the 202 until a replica has it (docs/replicas.md).
 */
describe('failover on Sentinel and Cluster, short form', () => {
  const scenario = shortForms();

  for (const topology of ['sentinel', 'cluster'] as const) {
    it(`${topology}: the master SIGKILLed, the replica in sync takes over: nothing acknowledged lost`, async () => {
      const row = await scenario(failover(topology));
      expect(row.lost).toBe(0);
      expect(row.recoveryMs).toBeDefined();
    }, 60_000);

    it(`${topology}: the replica cut off, then the master SIGKILLed: without WAIT, what it acknowledged meanwhile is lost`, async () => {
      const row = await scenario((options) => laggingReplicaRun(topology, 0, options));
      expect(row.lost).toBeGreaterThan(0);
    }, 60_000);

    it(`${topology}: the same with waitForReplicas 1: refused (503) instead, nothing acknowledged lost`, async () => {
      const row = await scenario((options) => laggingReplicaRun(topology, 1, options));
      expect(row.lost).toBe(0);
      expect(row.refused).toBeGreaterThan(0);
    }, 60_000);
  }

  it('sentinel: the master frozen through the failover: the apps stay on the new master once it thaws', async () => {
    const row = await scenario(frozenMaster('sentinel'));
    expect(row.lost).toBe(0);
  }, 60_000);

  // Not in npm test: on Cluster a master frozen through a failover is an open problem
  // (docs/replicas.md, "Known limits"). One run in CI delivered 17 provider events under two ids
  // (none lost); `npm run test:faults -- cluster-frozen-master` runs it, strict.
});
