import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@hookrelay/testing';
import {
  isAck,
  refusalCheck,
  rowOf,
  withRig,
  type Check,
  type ScenarioOptions,
  type ScenarioRow,
  type Sender,
} from './fault-rig.js';
import {
  ms,
  replicaTookOver,
  settle,
  streamToFault,
  type ReplicatedTopology,
} from './replica-scenario.js';

/** How long the replica stays frozen, its link cut, while the master goes on acknowledging. */
const FROZEN_MS = 2_000;

/** Requests sent in [from, to) that were answered 2xx: acknowledged while the replica was cut off. */
function ackedBetween(sender: Sender, from: number, to: number): number {
  return sender
    .attempts()
    .filter(
      (attempt) =>
        attempt.sentAt >= from &&
        attempt.sentAt < to &&
        typeof attempt.status === 'number' &&
        isAck(attempt.status),
    ).length;
}

/**
 * `sentinel-lagging-replica`, `cluster-lagging-replica`: the failover that loses acknowledged
 * events, run without and with `redis.waitForReplicas: 1`. The backend is down, so events wait in
 * Redis (a delivered event cannot be lost). A third into the stream the replica is frozen (SIGSTOP)
 * and the master drops its replication link, so what the master acknowledges from then on reaches
 * no replica; FROZEN_MS later the master is SIGKILLed and the replica thawed, and promoted. The old
 * master is started again (it rejoins as a replica: WAIT can be satisfied again), the backend
 * healed, and everything reconciled.
 *
 * Without WAIT, what was acknowledged while the replica was cut off is lost: the row checks that
 * the loss happened (it demonstrates the problem). So that it always does, the master is killed
 * only once some request sent after the cut was acknowledged. With waitForReplicas: 1, nothing
 * acknowledged is lost; the ingress refuses (503) from the cut until the old master is back as a
 * replica, and the row gives that window.
 */
export function laggingReplica(topology: ReplicatedTopology) {
  return async (options: ScenarioOptions): Promise<ScenarioRow[]> => [
    await laggingReplicaRun(topology, 0, options),
    await laggingReplicaRun(topology, 1, options),
  ];
}

/** One run of the scenario: `waitForReplicas` 0 shows the loss, 1 its fix. */
export async function laggingReplicaRun(
  topology: ReplicatedTopology,
  waitForReplicas: number,
  { scale }: ScenarioOptions,
): Promise<ScenarioRow> {
  const rigOptions = {
    name: `${topology}-lagging`,
    workers: 1,
    redis: { topology, waitForReplicas },
    // Once the backend is healthy again, the breaker lets deliveries through within 2 s.
    destination: 'breaker: { cooldown: 2s }',
  };
  return withRig(rigOptions, async (rig) => {
    const replicated = rig.redis.replicated;
    await rig.backend.setMode('down');
    const point = await streamToFault(rig, `${topology}lag${waitForReplicas}`, scale);
    const { sender, master, replica } = point;

    replica.freeze();
    await master.dropReplicas();
    const cutAt = Date.now();
    await sleep(FROZEN_MS);
    if (!waitForReplicas)
      await waitFor(() => ackedBetween(sender, cutAt, Date.now()) > 0, {
        timeoutMs: 20_000,
        what: 'a request sent after the cut acknowledged',
      });
    const killedAt = Date.now();
    await master.kill();
    replica.thaw();
    const ackedWhileCut = ackedBetween(sender, cutAt, killedAt);

    const newMaster = await replicated.waitForFailover(master);
    const failedOverAt = Date.now();
    await replicated.restart(master);
    const rejoinedAt = Date.now();
    const acked = await sender.ackAfter(killedAt, 60_000, { sentAfter: true });
    await rig.backend.setMode('healthy');
    const healedAt = Date.now();
    const { result, stats } = await settle(rig, point);

    const checks: Check[] = [
      refusalCheck(stats, rig),
      replicaTookOver(newMaster, point, failedOverAt - killedAt, 'kill'),
      {
        name: 'accepting again after the failover',
        ok: acked !== undefined,
        detail: `first 202 of a request sent after the kill: ${ms(acked, killedAt)}`,
      },
      waitForReplicas
        ? {
            name: 'nothing acknowledged while no replica confirmed',
            ok: ackedWhileCut === 0,
            detail: `${ackedWhileCut} requests sent while the replica was cut off answered 2xx; ${stats.refused} refused in all`,
          }
        : {
            name: 'acknowledged while the replica was cut off',
            ok: ackedWhileCut > 0,
            detail: `${ackedWhileCut} requests sent in the ${killedAt - cutAt} ms before the kill answered 2xx`,
          },
    ];
    const label = waitForReplicas ? `waitForReplicas ${waitForReplicas}` : 'no WAIT';
    return rowOf(`${topology}: lagging replica, ${label}`, result, stats, {
      recoveryMs: acked === undefined ? undefined : acked - killedAt,
      expectLoss: !waitForReplicas,
      checks,
      details: [
        `replica ${replica.name} frozen and cut off for ${killedAt - cutAt} ms, then master ${master.name} SIGKILLed; ${newMaster.name} promoted after ${failedOverAt - killedAt} ms; ${master.name} restarted, back as its replica and in sync ${rejoinedAt - killedAt} ms after the kill`,
        `acknowledged while the replica was cut off: ${ackedWhileCut}; lost: ${result.lost}; 503 window (longest refusal run): ${stats.longestRefusalMs} ms; backend healed ${healedAt - killedAt} ms after the kill`,
        `duplicates: ${result.duplicates}`,
      ],
    });
  });
}
