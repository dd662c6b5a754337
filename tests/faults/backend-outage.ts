import { setTimeout as sleep } from 'node:timers/promises';
import {
  reconcile,
  refusalStats,
  rowOf,
  streamThrough,
  withRig,
  type Check,
  type ScenarioOptions,
  type ScenarioRow,
} from './fault-rig.js';

const TIMEOUT_MS = 2_000;

/**
 * The backend down (connection refused) for `downMs`, then slow beyond the destination's `timeout`
 * for `slowPhaseMs`, then healthy. The circuit breaker is on (the default): events wait behind it
 * without spending attempts, so everything is delivered and nothing is dead-lettered with attempts
 * left. The full form keeps the default breaker settings; the short form shortens the cooldown to
 * 2 s so that it fits in `npm test`. Recovery: from the backend healthy again to its first delivery.
 */
export async function run({ scale }: ScenarioOptions): Promise<ScenarioRow> {
  const full = scale === 'full';
  const count = full ? 15_000 : 1_000;
  const ratePerSecond = full ? 300 : 100;
  const downMs = full ? 30_000 : 5_000;
  const slowPhaseMs = full ? 10_000 : 3_000;
  const rigOptions = {
    name: 'backend-outage',
    workers: 1,
    destination: full ? undefined : 'breaker: { cooldown: 2s }',
    source: `    timeout: ${TIMEOUT_MS}ms`,
  };
  return withRig(rigOptions, async (rig) => {
    rig.backend.slowMs = TIMEOUT_MS + 1_000;
    const sender = streamThrough(rig, 'outage', { count, ratePerSecond, full });
    const sending = sender.run();
    await sender.reached(Math.floor(count / 10));
    const downAt = Date.now();
    await rig.backend.setMode('down');
    await sleep(downMs);
    const slowAt = Date.now();
    await rig.backend.setMode('slow');
    await sleep(slowPhaseMs);
    await rig.backend.setMode('healthy');
    const healthyAt = Date.now();
    const firstDelivery = await rig.backend.anyArrivalAfter(healthyAt, 180_000);
    await sending;
    const result = await reconcile(rig, sender, { timeoutMs: full ? 240_000 : 40_000 });
    const stats = refusalStats(sender);

    let drainedAt = healthyAt;
    for (const event of sender.events) {
      if (!event.ackedId) continue;
      const answered = rig.backend
        .requestsFor(event.ackedId)
        .find((arrival) => arrival.delivered)?.answeredAt;
      if (answered !== undefined) drainedAt = Math.max(drainedAt, answered);
    }
    const during = (from: number, to: number) =>
      rig.backend.arrivals.filter((arrival) => arrival.at >= from && arrival.at < to);
    const slowRequests = during(slowAt, healthyAt);
    const abandoned = rig.backend.arrivals.filter((arrival) => !arrival.delivered).length;
    const attemptsSpent = Math.max(0, ...rig.backend.arrivals.map((arrival) => arrival.attempt));
    const checks: Check[] = [
      {
        name: 'everything delivered',
        ok: result.delivered >= result.acknowledged && result.deadLettered === 0,
        detail: `${result.delivered} delivered of ${result.acknowledged} acknowledged, ${result.deadLettered} dead`,
      },
      {
        name: 'nothing dead-lettered with attempts left',
        ok: result.deadWithAttemptsLeft === 0,
        detail: `${result.deadWithAttemptsLeft} dead with attempts left`,
      },
    ];
    return rowOf(`backend down ${downMs / 1000} s, slow, healthy`, result, stats, {
      recoveryMs: firstDelivery === undefined ? undefined : firstDelivery - healthyAt,
      checks,
      details: [
        `down ${slowAt - downAt} ms (connection refused), slow ${healthyAt - slowAt} ms (answers after ${rig.backend.slowMs} ms, timeout ${TIMEOUT_MS} ms): ${slowRequests.length} requests reached it while slow (breaker probes and the deliveries in flight)`,
        `healthy again: first delivery after ${firstDelivery === undefined ? 'never' : `${firstDelivery - healthyAt} ms`}, every acknowledged event delivered ${drainedAt - healthyAt} ms after it`,
        `highest X-Hookrelay-Attempt seen: ${attemptsSpent}; requests the worker gave up on (timeout) before the backend answered: ${abandoned} (not counted as deliveries)`,
        `duplicates: ${result.duplicates}`,
      ],
    });
  });
}
