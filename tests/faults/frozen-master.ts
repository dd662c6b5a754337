import { waitFor } from '@hookrelay/testing';
import {
  reconcile,
  refusalCheck,
  refusalStats,
  rowOf,
  streamThrough,
  withRig,
  type Check,
  type ScenarioOptions,
  type ScenarioRow,
} from './fault-rig.js';
import type { ReplicatedTopology } from './replica-failover.js';

const ms = (at: number | undefined, from: number) =>
  at === undefined ? 'never' : `${at - from} ms`;

/**
 * `sentinel-frozen-master`, `cluster-frozen-master`: the master holding hookrelay's keys frozen
 * (SIGSTOP: stalled, or cut off from the apps and the sentinels), not killed. The topology fails
 * over while it is frozen; then it is thawed, still a master in its own eyes, with the apps'
 * connections still open, until Sentinel (at its next look, up to 10 s) or the Cluster demotes it
 * and its data is replaced by the new master's. The apps must have moved to the new master
 * meanwhile: anything they acknowledge on the old one is lost at the demotion. The backend is down
 * until then, so that such events wait in Redis (a delivered event is not lost).
 */
export function frozenMaster(topology: ReplicatedTopology) {
  return async ({ scale }: ScenarioOptions): Promise<ScenarioRow> => {
    const full = scale === 'full';
    const count = full ? 3_000 : 600;
    const ratePerSecond = full ? 300 : 150;
    const rigOptions = {
      name: `${topology}-frozen`,
      workers: 1,
      redis: { topology },
      destination: 'breaker: { cooldown: 2s }',
    };
    return withRig(rigOptions, async (rig) => {
      const replicated = rig.redis.replicated;
      await rig.backend.setMode('down');
      const sender = streamThrough(rig, `${topology}frozen`, { count, ratePerSecond, full });
      const sending = sender.run();
      await sender.reached(Math.floor(count / 3));
      const master = await replicated.masterOf(rig.prefix);
      const replica = await replicated.replicaOf(master);
      const frozenAt = Date.now();
      master.freeze();
      const newMaster = await replicated.waitForFailover(master);
      const failedOverAt = Date.now();
      master.thaw();
      const thawedAt = Date.now();
      await waitFor(() => master.replicates(newMaster), {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `${master.name} demoted, in sync with ${newMaster.name}`,
      });
      const demotedAt = Date.now();
      const acked = await sender.ackAfter(frozenAt, 30_000, { sentAfter: true });
      await rig.backend.setMode('healthy');
      await sending;
      const result = await reconcile(rig, sender, {
        timeoutMs: full ? 120_000 : 40_000,
        untilIdle: true,
      });
      const stats = refusalStats(sender);
      const checks: Check[] = [
        refusalCheck(stats, rig),
        {
          name: 'the replica took over',
          ok: newMaster === replica,
          detail: `${newMaster.name} masters hookrelay's keys ${failedOverAt - frozenAt} ms after the freeze (replica was ${replica.name})`,
        },
        {
          name: 'accepting again on the new master',
          ok: acked !== undefined,
          detail: `first 202 of a request sent after the freeze: ${ms(acked, frozenAt)}`,
        },
      ];
      return rowOf(`${topology}: master frozen, failover`, result, stats, {
        recoveryMs: acked === undefined ? undefined : acked - frozenAt,
        checks,
        details: [
          `master ${master.name} frozen at event ${Math.floor(count / 3)}; ${newMaster.name} promoted after ${failedOverAt - frozenAt} ms; ${master.name} thawed then, demoted and in sync as a replica ${demotedAt - thawedAt} ms after the thaw`,
          `lost: ${result.lost} (acknowledged on the old master after the failover, gone at its demotion); duplicates: ${result.duplicates}`,
        ],
      });
    });
  };
}
