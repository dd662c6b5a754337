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
 * `sentinel-failover`, `cluster-failover`: the master holding hookrelay's keys SIGKILLed a third
 * into the stream, with a healthy replica in sync; Sentinel (or the Cluster) promotes the replica and
 * the apps follow it by themselves. Then the old master is started again on its own data and
 * rejoins as a replica. Every acknowledged event is delivered; the row gives the 503 window (the
 * longest run of refusals) and the recovery: from the kill to the first 202 of a request sent after
 * it.
 */
export function failover(topology: ReplicatedTopology) {
  return async ({ scale }: ScenarioOptions): Promise<ScenarioRow> => {
    const rigOptions = { name: `${topology}-failover`, workers: 1, redis: { topology } };
    return withRig(rigOptions, async (rig) => {
      const replicated = rig.redis.replicated;
      const point = await streamToFault(rig, `${topology}failover`, scale);
      const { sender, master, count } = point;
      const killedAt = Date.now();
      await master.kill();
      const newMaster = await replicated.waitForFailover(master);
      const failedOverAt = Date.now();
      const [acked, delivered] = await Promise.all([
        sender.ackAfter(killedAt, 60_000, { sentAfter: true }),
        // The worker follows the new master too: a delivery of an event acknowledged after the kill.
        rig.backend.anyArrivalAfter(
          killedAt,
          60_000,
          (arrival) => (sender.ackOf(arrival.id)?.sentAt ?? 0) >= killedAt,
        ),
      ]);
      const restartedAt = Date.now();
      await replicated.restart(master);
      const rejoinedAt = Date.now();
      const { result, stats } = await settle(rig, point);
      const checks: Check[] = [
        refusalCheck(stats, rig),
        replicaTookOver(newMaster, point, failedOverAt - killedAt, 'kill'),
        {
          name: 'ingress and worker follow the new master by themselves',
          ok: acked !== undefined && delivered !== undefined,
          detail: `first 202 of a request sent after the kill: ${ms(acked, killedAt)}; first delivery of an event acknowledged after it: ${ms(delivered, killedAt)}`,
        },
      ];
      return rowOf(`${topology}: master SIGKILLed, failover`, result, stats, {
        recoveryMs: acked === undefined ? undefined : acked - killedAt,
        checks,
        details: [
          `master ${master.name} SIGKILLed at event ${Math.floor(count / 3)}; ${newMaster.name} promoted after ${failedOverAt - killedAt} ms; ${master.name} restarted and in sync as its replica after ${rejoinedAt - restartedAt} ms`,
          `duplicates: ${result.duplicates} (a delivery whose completion the dead master had not passed on to its replica is made again)`,
        ],
      });
    });
  };
}
