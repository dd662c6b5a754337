import {
  reconcile,
  refusalStats,
  rowOf,
  streamThrough,
  withRig,
  type Check,
  type KillSnapshot,
  type ScenarioOptions,
  type ScenarioRow,
} from './fault-rig.js';

/** docs/contract.md §8: after a worker process dies, the deliveries it held are attempted again within 15 s. */
export const RECOVERY_LIMIT_MS = 15_000;

interface KillOutcome {
  readonly kill: KillSnapshot;
  /** Deliveries the dead worker held. */
  readonly held: readonly string[];
  /** …of which the backend had already answered 2xx before the kill (their re-attempt is a duplicate). */
  readonly answeredBeforeKill: number;
  /** From SIGKILL to each held delivery's next request at the backend (undefined: none in time). */
  readonly reattemptMs: readonly (number | undefined)[];
  /** From SIGKILL to BullMQ moving each held delivery back to waiting (its stalled check). */
  readonly stalledMs: readonly (number | undefined)[];
}

/**
 * Two worker processes share the stream; one of them is SIGKILLed (in turn) `kills` times, and
 * started again once its held deliveries are known, as a supervisor would. The backend answers
 * after 100 ms, so each worker holds deliveries in flight when it dies. Recovery: per kill, from
 * SIGKILL to the re-attempt of the last delivery the dead worker held (the first one is reported too).
 */
export async function run({ scale }: ScenarioOptions): Promise<ScenarioRow> {
  const full = scale === 'full';
  const count = full ? 20_000 : 2_000;
  const ratePerSecond = full ? 300 : 200;
  // Where in the stream each kill happens: spread over it, early enough in the short form that the
  // last re-attempt comes soon after the stream ends.
  const killPoints = full ? [1, 2, 3, 4, 5].map((k) => k / 6) : [0.2, 0.45];
  return withRig({ name: 'worker-kills', workers: 2, watchStalls: true }, async (rig) => {
    rig.backend.latencyMs = 100;
    const sender = streamThrough(rig, 'kills', { count, ratePerSecond, full });
    const sending = sender.run();
    const outcomes: Promise<KillOutcome>[] = [];
    const restarts: Promise<unknown>[] = [];
    for (const [k, point] of killPoints.entries()) {
      await sender.reached(Math.floor(count * point));
      const victim = k % 2;
      const kill = await rig.killWorker(victim);
      const held = await rig.heldByKilled(kill);
      // Started again as a supervisor would: a new process, with a new BullMQ worker id.
      restarts.push(rig.startWorker(victim));
      outcomes.push(
        (async () => {
          const answeredBeforeKill = held.filter((id) =>
            rig.backend
              .requestsFor(id)
              .some((arrival) => arrival.delivered && arrival.answeredAt! <= kill.diedAt),
          ).length;
          // A re-attempt: the first request after BullMQ moved the delivery back to waiting (the
          // dead worker's own last request may still reach the backend after its death).
          const timings = await Promise.all(
            held.map(async (id) => {
              const stalled = await rig.stalledAfter(id, kill.killedAt, 60_000);
              const at =
                stalled === undefined
                  ? undefined
                  : await rig.backend.arrivalAfter(id, stalled, 60_000);
              return {
                stalled: stalled === undefined ? undefined : stalled - kill.killedAt,
                again: at === undefined ? undefined : at - kill.killedAt,
              };
            }),
          );
          return {
            kill,
            held,
            answeredBeforeKill,
            reattemptMs: timings.map((t) => t.again),
            stalledMs: timings.map((t) => t.stalled),
          };
        })(),
      );
      // The restarted worker must be consuming before the next kill takes the other one.
      await restarts.at(-1);
    }
    await sending;
    await Promise.all(restarts);
    const kills = await Promise.all(outcomes);
    const result = await reconcile(rig, sender, { timeoutMs: full ? 120_000 : 40_000 });
    const stats = refusalStats(sender);

    const lastOf = (o: KillOutcome) =>
      o.reattemptMs.some((ms) => ms === undefined)
        ? Infinity
        : Math.max(0, ...(o.reattemptMs as number[]));
    const firstOf = (o: KillOutcome) => Math.min(...o.reattemptMs.map((ms) => ms ?? Infinity));
    const worst = Math.max(...kills.map(lastOf));
    const checks: Check[] = [
      {
        name: 'held deliveries attempted again within 15 s',
        ok: worst <= RECOVERY_LIMIT_MS,
        detail: `worst kill: its last held delivery attempted again ${Number.isFinite(worst) ? `${worst} ms` : 'never'} after SIGKILL`,
      },
      {
        name: 'every kill caught deliveries in flight',
        ok: kills.every((o) => o.held.length > 0),
        detail: `held per kill: ${kills.map((o) => o.held.length).join(', ')}`,
      },
    ];
    const ms = (value: number) => (Number.isFinite(value) ? `${value} ms` : 'never');
    const stalled = (o: KillOutcome) => o.stalledMs.map((value) => value ?? Infinity);
    const details = kills.map(
      (o, k) =>
        `kill ${k + 1} (worker ${o.kill.worker}): held ${o.held.length} of ${o.kill.active.size} active ` +
        `(${o.kill.activeBefore.size} just before SIGKILL), ${o.answeredBeforeKill} already answered 2xx ` +
        `by the backend; moved back to waiting after ${ms(Math.min(...stalled(o)))} – ` +
        `${ms(Math.max(0, ...stalled(o)))}, attempted again after ${ms(firstOf(o))} – ${ms(lastOf(o))}`,
    );
    const answeredBefore = kills.reduce((n, o) => n + o.answeredBeforeKill, 0);
    details.push(
      `duplicates: ${result.duplicates}; deliveries a dead worker held that the backend had already answered: ${answeredBefore}`,
    );
    return rowOf('worker SIGKILL', result, stats, {
      recoveryMs: Number.isFinite(worst) ? worst : undefined,
      checks,
      details,
    });
  });
}
