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
import { all202Check, drainedAfter, readiness, spoolCounts } from './spool-kit.js';

const COUNT = 200;

/**
 * With `ingress.spool` on and redis-server SIGKILLed (kept down), 200 events are sent and all
 * answered 202 from the spool; then the ingress is SIGKILLed and started again on the same spool
 * directory, Redis still down (its /readyz: `degraded`), and only then Redis is started again on its
 * own data. The new ingress drains what its predecessor spooled: all 200 are delivered. Recovery:
 * from Redis listening again to the new ingress's `spool drained` line.
 */
export async function run({ scale }: ScenarioOptions): Promise<ScenarioRow> {
  const full = scale === 'full';
  return withRig(
    { name: 'spool-ingress-restart', workers: 1, spool: { maxBytes: '64mb' } },
    async (rig) => {
      await rig.redis.server.stop('SIGKILL');
      const sender = streamThrough(rig, 'spoolrestart', {
        count: COUNT,
        ratePerSecond: 200,
        full,
      });
      await sender.run();
      const beforeKill = await spoolCounts(rig);
      await rig.killIngress();
      const restartedAt = Date.now();
      await rig.startIngress();
      const upMs = Date.now() - restartedAt;
      const restarted = await readiness(rig);
      const inherited = await spoolCounts(rig);
      // Redis stays down a while longer: the new ingress holds the spool without draining it.
      await sleep(full ? 3_000 : 500);
      await rig.redis.server.start();
      const backAt = Date.now();
      const drained = await drainedAfter(rig, backAt, 30_000).catch(() => undefined);
      const result = await reconcile(rig, sender, { timeoutMs: full ? 60_000 : 30_000 });
      const stats = refusalStats(sender);
      const after = await spoolCounts(rig);
      const checks: Check[] = [
        all202Check(sender),
        {
          name: `all ${COUNT} spooled before the kill`,
          ok: beforeKill.spooled === COUNT && beforeKill.events === COUNT,
          detail: `${beforeKill.spooled} spooled, ${beforeKill.events} held (${beforeKill.bytes} bytes)`,
        },
        {
          name: 'the restarted ingress, Redis down: /readyz degraded (200), the spool inherited',
          ok:
            restarted.code === 200 && restarted.status === 'degraded' && inherited.events === COUNT,
          detail:
            `${restarted.code} ${restarted.status ?? ''}: ${restarted.reason ?? ''}; ` +
            `holds ${inherited.events} records (${inherited.bytes} bytes); ready ${upMs} ms after its start`,
        },
        {
          name: 'the restarted ingress drained its predecessor’s spool',
          ok:
            drained !== undefined &&
            after.drained + after.duplicate === COUNT &&
            after.events === 0,
          detail:
            `${after.drained} drained + ${after.duplicate} duplicates, ${after.corrupt} corrupt, ${after.events} left; ` +
            `\`spool drained\` ${drained ? `${drained.at - backAt} ms after Redis listened` : 'never logged'}`,
        },
      ];
      return rowOf('spool: ingress SIGKILL + restart, redis down', result, stats, {
        recoveryMs: drained && drained.at - backAt,
        checks,
        details: [`longest answer ${stats.slowestAnswerMs} ms`],
      });
    },
  );
}
