/**
 * Section 2 of `npm run bench`, worker drain: --events Stripe events queued while no worker runs,
 * then one worker process started on them, and deliveries per second measured at the backend (a
 * plain node:http child answering 200 `{}`, keep-alive) from the first delivery to the last, once
 * it has every one. Two workers, each on its own fresh durable Redis, the order alternating:
 *   hookrelay  apps/worker/dist/index.js, on the delivery jobs of what the real ingress process
 *              acknowledged: the ingress writes the inbox (docs/inbox.md), and an intake run here
 *              makes it into the jobs before the worker starts (its rate is reported on its own:
 *              in production every worker's intake does it while delivering);
 *   bare       a BullMQ Worker whose processor is one axios POST (baselines/bullmq-axios-worker.ts),
 *              at the same concurrency (worker.concurrency), on the same delivery jobs written with
 *              EventEnqueuer (kit/enqueue-jobs.ts): a bare BullMQ worker reads only jobs.
 * Reports the medians over --rounds of deliveries/s and the worker's peak RSS (VmHWM), and ratios.
 *   npm run bench -- --sections drain [--rounds 3 --events 20000]
 */
import { Backend } from '../kit/backend.js';
import { writeRelayConfig } from '../kit/hookrelay-apps.js';
import { progress } from '../kit/progress.js';
import { startRedis } from '../kit/redis.js';
import { enqueueJobs } from '../kit/enqueue-jobs.js';
import { intakeAll } from '../kit/intake-all.js';
import { drainWith, enqueueThroughIngress, type WorkerKind } from '../kit/relay-steps.js';
import { median, ratio } from '../kit/stats.js';
import { num, table } from '../kit/table.js';
import type { DestinationSpec } from '../kit/hookrelay-apps.js';
import { rotated, type BenchRun } from './context.js';

export interface DrainRun {
  readonly events: number;
  /** The ingress process (closed loop, --connections), or EventEnqueuer for the bare worker. */
  readonly queuedBy: 'ingress' | 'EventEnqueuer';
  /** Events per second while queueing them. */
  readonly enqueueRps: number;
  /** hookrelay: the inbox's events made into jobs per second (docs/inbox.md), before the drain. */
  readonly intakePerSecond: number | null;
  readonly delivered: number;
  readonly lost: number;
  /** Requests the backend received beyond one per delivery (a redelivery). */
  readonly repeats: number;
  readonly deliveriesPerSecond: number;
  readonly secondsFromStart: number;
  readonly workerPeakRssMb: number | null;
  readonly concurrency: number;
}

/**
 * One drain on a fresh Redis and backend: queue `events` through the ingress, then deliver them
 * with `kind`'s worker. Problems (a refusal, a loss, a crash) go to `run`.
 */
export async function measureDrain(
  run: BenchRun,
  kind: WorkerKind,
  events: number,
  what: string,
  destinations?: readonly DestinationSpec[],
): Promise<DrainRun> {
  const { workspace, options } = run;
  const redis = await startRedis();
  try {
    const backend = await Backend.start(workspace);
    try {
      const setup = await writeRelayConfig(workspace, redis.url, backend.url, destinations);
      const requests = run.requestsFor(setup.ingressPort);
      let accepted: number;
      let enqueueRps: number;
      let intakePerSecond: number | null = null;
      if (kind === 'hookrelay') {
        const enqueued = await enqueueThroughIngress(
          workspace,
          setup,
          requests,
          events,
          options.connections,
        );
        accepted = enqueued.load.status['2xx'];
        enqueueRps = enqueued.load.rps;
        if (accepted < events)
          run.problem(
            `${what}: the ingress refused ${events - accepted} of ${events} events, the first: ` +
              `${enqueued.load.firstRefusal ?? '?'}`,
          );
        if (enqueued.ingressCrashed) run.problem(`${what}: the ingress exited while queueing`);
        intakePerSecond = (await intakeAll(setup.config)).eventsPerSecond;
      } else {
        const written = await enqueueJobs(setup.config, requests, events, options.connections);
        accepted = written.accepted;
        enqueueRps = Math.round(written.accepted / written.seconds);
        if (written.failed > 0)
          run.problem(
            `${what}: EventEnqueuer failed to write ${written.failed} of ${events} events`,
          );
      }
      const expected = accepted * setup.queues.length;
      const drained = await drainWith(workspace, kind, setup, backend, expected);
      const lost = expected - drained.delivered;
      if (!drained.complete || lost > 0)
        run.problem(`${what}: ${lost} of ${expected} deliveries never reached the backend`);
      if (drained.workerCrashed) run.problem(`${what}: the worker exited during the drain`);
      const result: DrainRun = {
        events,
        queuedBy: kind === 'hookrelay' ? 'ingress' : 'EventEnqueuer',
        enqueueRps,
        intakePerSecond,
        delivered: drained.delivered,
        lost,
        repeats: drained.requests - drained.delivered,
        deliveriesPerSecond: drained.deliveriesPerSecond,
        secondsFromStart: drained.secondsFromStart,
        workerPeakRssMb: drained.workerPeakRssMb,
        concurrency: setup.config.worker.concurrency,
      };
      progress(
        `${what}: ${result.deliveriesPerSecond} deliveries/s, ${result.workerPeakRssMb} MB ` +
          `(queued by ${result.queuedBy} at ${result.enqueueRps}/s` +
          `${intakePerSecond === null ? '' : `, made into jobs at ${intakePerSecond}/s`})`,
      );
      return result;
    } finally {
      await backend.stop();
    }
  } finally {
    await redis.cleanup();
  }
}

const LABELS: Record<WorkerKind, string> = {
  hookrelay: 'hookrelay worker',
  bare: 'bare BullMQ + axios worker',
};

export async function drainSection(run: BenchRun) {
  const { options } = run;
  const kinds: WorkerKind[] = ['hookrelay', 'bare'];
  const runs: Record<WorkerKind, DrainRun[]> = { hookrelay: [], bare: [] };
  for (let round = 0; round < options.rounds; round++)
    for (const kind of rotated(kinds, round))
      runs[kind].push(
        await measureDrain(run, kind, options.events, `drain round ${round + 1} ${kind}`),
      );

  const summary = (kind: WorkerKind) => ({
    label: LABELS[kind],
    deliveriesPerSecond: Math.round(median(runs[kind].map((r) => r.deliveriesPerSecond))),
    intakePerSecond:
      kind === 'hookrelay'
        ? Math.round(median(runs[kind].map((r) => r.intakePerSecond ?? 0)))
        : null,
    workerPeakRssMb: +median(runs[kind].map((r) => r.workerPeakRssMb ?? 0)).toFixed(1),
    lost: runs[kind].reduce((sum, r) => sum + r.lost, 0),
    repeats: runs[kind].reduce((sum, r) => sum + r.repeats, 0),
    runs: runs[kind],
  });
  const hookrelay = summary('hookrelay');
  const bare = summary('bare');
  const throughputRatio = ratio(hookrelay.deliveriesPerSecond, bare.deliveriesPerSecond);
  const concurrency = runs.hookrelay[0]?.concurrency;
  const text = table(
    `2. Worker drain: ${num(options.events)} events queued (hookrelay: by the ingress, then made ` +
      `into jobs by an intake; bare: the same jobs by EventEnqueuer), then one worker process ` +
      `(concurrency ${concurrency}) until the backend has them all; medians of ${options.rounds} round(s)`,
    [
      'worker',
      'deliveries/s',
      'intake events/s',
      'peak RSS MB',
      'lost',
      'repeats',
      'hookrelay ÷ worker',
    ],
    [hookrelay, bare].map((side) => [
      side.label,
      num(side.deliveriesPerSecond),
      side.intakePerSecond === null ? '-' : num(side.intakePerSecond),
      num(side.workerPeakRssMb, 1),
      num(side.lost),
      num(side.repeats),
      num(ratio(hookrelay.deliveriesPerSecond, side.deliveriesPerSecond), 3),
    ]),
  );
  return {
    text,
    json: {
      events: options.events,
      concurrency,
      rounds: options.rounds,
      hookrelay,
      bare,
      ratios: {
        hookrelayVsBare: throughputRatio,
        rssHookrelayVsBare: ratio(hookrelay.workerPeakRssMb, bare.workerPeakRssMb),
      },
    },
  };
}
