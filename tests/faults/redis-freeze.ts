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
 * redis-server frozen (SIGSTOP) for `frozenMs`, then SIGCONT: its connections stay open and
 * nothing answers, so the ingress must give up on its own (enqueueTimeout 700 ms) and answer 503
 * within 1 s; the worker resumes by itself. Writes the ingress gave up on are still queued on the
 * connection and Redis applies them after SIGCONT: the provider's retry of such an event (same
 * provider id) is then a duplicate (200) naming the first write's id, so each provider event reaches
 * the backend under one hookrelay id. Recovery: from SIGCONT to the first 202.
 */
export async function run({ scale }: ScenarioOptions): Promise<ScenarioRow> {
  const full = scale === 'full';
  const count = full ? 10_000 : 1_500;
  const ratePerSecond = full ? 300 : 150;
  const frozenMs = full ? 10_000 : 4_000;
  return withRig({ name: 'redis-freeze', workers: 1 }, async (rig) => {
    const sender = streamThrough(rig, 'freeze', { count, ratePerSecond, full });
    const sending = sender.run();
    await sender.reached(Math.floor(count / 3));
    const frozenAt = Date.now();
    await rig.freezeRedis();
    await sleep(frozenMs);
    const thawedAt = Date.now();
    rig.thawRedis();
    const [acked, delivered] = await Promise.all([
      sender.ackAfter(thawedAt, 30_000),
      rig.backend.anyArrivalAfter(
        thawedAt,
        60_000,
        (arrival) => (sender.ackOf(arrival.id)?.sentAt ?? 0) >= thawedAt,
      ),
    ]);
    await sending;
    const result = await reconcile(rig, sender, { timeoutMs: full ? 120_000 : 40_000 });
    const stats = refusalStats(sender);
    const recovery = acked === undefined ? undefined : acked - thawedAt;

    // Provider events refused at least once, then acknowledged with 200 (duplicate): the write of a
    // refused request that Redis applied after SIGCONT, found again by the provider's retry.
    const appliedAfter503 = sender.events.filter(
      (event) => event.ackStatus === 200 && event.attempts.some((a) => a.status === 503),
    ).length;
    const refusedThenAccepted = sender.events.filter(
      (event) => event.ackStatus === 202 && event.attempts.some((a) => a.status === 503),
    ).length;
    const checks: Check[] = [
      refusalCheck(stats, rig),
      {
        name: 'refused while frozen',
        ok: stats.refused > 0,
        detail: `${stats.refused} refused`,
      },
      {
        name: 'worker resumes by itself',
        ok: delivered !== undefined,
        detail: `first delivery of an event acknowledged after SIGCONT: ${delivered === undefined ? 'never' : `${delivered - thawedAt} ms after it`}`,
      },
    ];
    return rowOf(`redis SIGSTOP ${frozenMs / 1000} s`, result, stats, {
      recoveryMs: recovery,
      checks,
      details: [
        `frozen ${thawedAt - frozenAt} ms; first 202 ${recovery === undefined ? 'never' : `${recovery} ms`} after SIGCONT`,
        `refused, then their retry answered 200 duplicate (Redis applied the refused write after SIGCONT): ${appliedAfter503}; refused, then 202: ${refusedThenAccepted}`,
        `per provider event: ${result.providerEventsUnderSeveralIds} reached the backend under more than one hookrelay id; per hookrelay id: ${result.duplicates} deliveries beyond the first (at most ${result.mostDeliveriesOfOneId} of one id)`,
      ],
    });
  });
}
