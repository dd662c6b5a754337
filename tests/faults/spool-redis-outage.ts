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

/** How long an answer may take, spooled or not: `ingress.enqueueTimeout` (700 ms) and an fsync. */
const ANSWER_LIMIT_MS = 1_000;

/**
 * With `ingress.spool` on, redis-server SIGKILLed mid-stream and started again on its own data
 * (AOF) after `downMs` (docs/spool.md). Meanwhile the ingress answers every request 202, spooling
 * the events (fsync'd), and /readyz says `degraded`; once Redis is back it drains the spool into
 * it, in order, and everything acknowledged is delivered. Recovery: from Redis listening again to
 * the ingress's `spool drained` line — the drain rate is the records drained over that time.
 */
export async function run({ scale }: ScenarioOptions): Promise<ScenarioRow> {
  const full = scale === 'full';
  const count = full ? 2_000 : 1_000;
  const ratePerSecond = 150;
  const downMs = full ? 8_000 : 5_000;
  return withRig(
    { name: 'spool-redis-outage', workers: 1, spool: { maxBytes: '256mb' } },
    async (rig) => {
      const sender = streamThrough(rig, 'spool', { count, ratePerSecond, full });
      const sending = sender.run();
      await sender.reached(Math.floor(count * (full ? 0.2 : 0.15)));
      const killedAt = Date.now();
      await rig.redis.server.stop('SIGKILL');
      await sleep(downMs / 2);
      const whileDown = await readiness(rig);
      await sleep(downMs / 2);
      const restartedAt = Date.now();
      await rig.redis.server.start();
      const backAt = Date.now();
      const drained = await drainedAfter(rig, backAt, full ? 120_000 : 40_000).catch(
        () => undefined,
      );
      await sending;
      const result = await reconcile(rig, sender, { timeoutMs: full ? 120_000 : 40_000 });
      const stats = refusalStats(sender);
      const counts = await spoolCounts(rig);
      const drainMs = drained && drained.at - backAt;
      const drainedRecords = drained ? drained.drained + drained.duplicates : 0;
      const checks: Check[] = [
        all202Check(sender),
        {
          name: 'spooled while Redis was down',
          ok: counts.spooled > 0,
          detail: `${counts.spooled} spooled`,
        },
        {
          name: '/readyz degraded (200) while Redis is down',
          ok: whileDown.code === 200 && whileDown.status === 'degraded',
          detail: `${whileDown.code} ${whileDown.status ?? ''}: ${whileDown.reason ?? ''}`,
        },
        {
          name: 'the spool drained into Redis once it was back',
          ok:
            drained !== undefined &&
            counts.events === 0 &&
            counts.corrupt === 0 &&
            counts.drained + counts.duplicate === counts.spooled,
          detail:
            `${counts.drained} drained + ${counts.duplicate} duplicates of ${counts.spooled} spooled, ` +
            `${counts.corrupt} corrupt, ${counts.events} left (${counts.bytes} bytes); ` +
            `\`spool drained\` ${drained ? `${drainMs} ms after Redis listened` : 'never logged'}`,
        },
        {
          name: `every answer within ${ANSWER_LIMIT_MS / 1000} s`,
          ok: stats.slowestAnswerMs < ANSWER_LIMIT_MS && stats.hangs === 0,
          detail: `slowest ${stats.slowestAnswerMs} ms; ${stats.hangs} hangs; rig event loop delay max ${stats.rigLagMaxMs} ms`,
        },
      ];
      const rate =
        drainMs === undefined
          ? 'never drained'
          : `${drainedRecords} records in ${drainMs} ms = ${Math.round((drainedRecords * 1000) / Math.max(1, drainMs))}/s`;
      return rowOf(`spool: redis SIGKILL ${downMs / 1000} s + restart`, result, stats, {
        recoveryMs: drainMs,
        checks,
        details: [
          `redis down ${restartedAt - killedAt} ms, listening ${backAt - restartedAt} ms after its restart`,
          `spooled ${counts.spooled}; drain rate, Redis listening → \`spool drained\`: ${rate}` +
            (drained
              ? ` (the ingress's own: ${drained.drained} drained + ${drained.duplicates} duplicates in ${drained.ms} ms, ${drained.perSecond}/s)`
              : ''),
          `longest answer ${stats.slowestAnswerMs} ms`,
          `duplicates: ${result.duplicates} (a delivery answered by the backend whose completion Redis lost in the kill is made again)`,
        ],
      });
    },
  );
}
