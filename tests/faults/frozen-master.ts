import { waitFor } from '@hookrelay/testing';
import {
  refusalCheck,
  rowOf,
  withRig,
  type Check,
  type ScenarioOptions,
  type ScenarioRow,
} from './fault-rig.js';
import {
  ms,
  replicaTookOver,
  settle,
  streamToFault,
  type ReplicatedTopology,
} from './replica-scenario.js';

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
    const rigOptions = {
      name: `${topology}-frozen`,
      workers: 1,
      redis: { topology },
      destination: 'breaker: { cooldown: 2s }',
    };
    return withRig(rigOptions, async (rig) => {
      const replicated = rig.redis.replicated;
      await rig.backend.setMode('down');
      const point = await streamToFault(rig, `${topology}frozen`, scale);
      const { sender, master, count } = point;
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
      const { result, stats } = await settle(rig, point);
      const checks: Check[] = [
        refusalCheck(stats, rig),
        replicaTookOver(newMaster, point, failedOverAt - frozenAt, 'freeze'),
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
