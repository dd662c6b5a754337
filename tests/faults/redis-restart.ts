import { setTimeout as sleep } from 'node:timers/promises';
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

/**
 * redis-server SIGKILLed twice while the ingress accepts, each time started again on its own data
 * (AOF, appendfsync always) after `downMs`. Nothing else is restarted. While it is down the ingress
 * answers 503 within 1 s; nothing it acknowledged is lost. Recovery: from the restart (the new
 * redis-server launched) to the first 202.
 */
export async function run({ scale }: ScenarioOptions): Promise<ScenarioRow> {
  const full = scale === 'full';
  const count = full ? 10_000 : 1_500;
  const ratePerSecond = full ? 300 : 150;
  const downMs = full ? 3_000 : 1_000;
  return withRig({ name: 'redis-restart', workers: 1 }, async (rig) => {
    const sender = streamThrough(rig, 'restart', { count, ratePerSecond, full });
    const sending = sender.run();
    const recoveries: number[] = [];
    const details: string[] = [];
    for (const point of [1 / 3, 2 / 3]) {
      await sender.reached(Math.floor(count * point));
      const killedAt = Date.now();
      await rig.redis.server.stop('SIGKILL');
      await sleep(downMs);
      const restartedAt = Date.now();
      await rig.redis.server.start();
      const listeningAt = Date.now();
      const [acked, delivered] = await Promise.all([
        sender.ackAfter(restartedAt, 30_000),
        // The worker resumes by itself: a delivery of an event acknowledged after the restart.
        rig.backend.anyArrivalAfter(
          restartedAt,
          60_000,
          (arrival) => (sender.ackOf(arrival.id)?.sentAt ?? 0) >= restartedAt,
        ),
      ]);
      recoveries.push(acked === undefined ? Infinity : acked - restartedAt);
      details.push(
        `restart ${recoveries.length}: down ${restartedAt - killedAt} ms, listening after ${listeningAt - restartedAt} ms, ` +
          `first 202 after ${acked === undefined ? 'never' : `${acked - restartedAt} ms`}, ` +
          `first delivery of a new event after ${delivered === undefined ? 'never' : `${delivered - restartedAt} ms`}`,
      );
    }
    await sending;
    const result = await reconcile(rig, sender, { timeoutMs: full ? 120_000 : 40_000 });
    const stats = refusalStats(sender);
    const worst = Math.max(...recoveries);
    const checks: Check[] = [
      refusalCheck(stats, rig),
      {
        name: 'refused while down',
        ok: stats.refused > 0,
        detail: `${stats.refused} refused`,
      },
      {
        name: 'accepting again without restarting anything',
        ok: Number.isFinite(worst),
        detail: `first 202 ${Number.isFinite(worst) ? `${worst} ms` : 'never'} after the restart`,
      },
    ];
    details.push(
      `duplicates: ${result.duplicates} (a delivery answered by the backend whose completion Redis lost in the kill is made again)`,
    );
    return rowOf('redis SIGKILL + restart ×2', result, stats, {
      recoveryMs: Number.isFinite(worst) ? worst : undefined,
      checks,
      details,
    });
  });
}
