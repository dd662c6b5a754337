/**
 * Section 3 of `npm run bench`, end to end at paced rates: the load generator in its open-loop mode
 * (request k due at t0 + k / rate, latency from when it was due) sends Stripe events at each of
 * --rates for --e2e-duration seconds (after a warm-up) through a whole pipeline, and the latency of
 * each event is its arrival at the backend (the backend child notes it per Stripe event id, read
 * from the body the worker forwards) minus the time it was due to be sent. Two pipelines, each on
 * its own fresh durable Redis, the order alternating each round:
 *   hookrelay  the ingress process → Redis → the worker process → backend;
 *   bare       Express + BullMQ queue.add (baselines/express-queue.ts) → Redis → the bare BullMQ +
 *              axios worker (baselines/bullmq-axios-worker.ts) → the same backend.
 * Each acknowledged (2xx) event must arrive: lost = acknowledged and never received. Reports per
 * rate and pipeline the medians over --rounds of p50/p99/max, and the counts delivered and lost.
 *   npm run bench -- --sections end-to-end [--rounds 3 --rates 100,500,1000 --e2e-duration 10]
 */
import { freePort } from '@hookrelay/testing';
import { Backend } from '../kit/backend.js';
import {
  PREFIX,
  SOURCE_PATH,
  startIngress,
  writeRelayConfig,
  type RelaySetup,
} from '../kit/hookrelay-apps.js';
import { runLoad } from '../kit/load.js';
import { forkChild, type Child } from '../kit/processes.js';
import { progress } from '../kit/progress.js';
import { startRedis } from '../kit/redis.js';
import { startDeliveringWorker } from '../kit/relay-steps.js';
import { median, percentile } from '../kit/stats.js';
import { eventIdOf } from '../kit/stripe-requests.js';
import { num, table } from '../kit/table.js';
import type { Workspace } from '../kit/workspace.js';
import { rotated, type BenchRun } from './context.js';

type Pipeline = 'hookrelay' | 'bare';
const LABELS: Record<Pipeline, string> = {
  hookrelay: 'hookrelay: ingress → Redis → worker',
  bare: 'bare: Express + queue.add → Redis → BullMQ + axios',
};
/** Connections the paced generator may open at most. */
const MAX_CONNECTIONS = 256;

interface RateRun {
  readonly rate: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly refused: number;
  readonly delivered: number;
  readonly lost: number;
  /** Received by the backend without having been acknowledged (a refused write that landed). */
  readonly deliveredNotAcknowledged: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The generator's own figures for the answers (ack latency, from when each was due). */
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
}

interface Running {
  readonly port: number;
  readonly processes: Child[];
}

async function startIngressSide(workspace: Workspace, setup: RelaySetup): Promise<Running> {
  const ingress = await startIngress(workspace, setup);
  try {
    const worker = await startDeliveringWorker(workspace, 'hookrelay', setup);
    return { port: setup.ingressPort, processes: [ingress, worker] };
  } catch (error) {
    await ingress.stop();
    throw error;
  }
}

async function startBareSide(workspace: Workspace, setup: RelaySetup): Promise<Running> {
  const port = await freePort();
  const ingress = forkChild(
    'bare ingress',
    workspace.entry('baselines/express-queue.ts'),
    [String(port), setup.config.redis.url, PREFIX, setup.queues[0]!],
    { logFile: workspace.logFile('express-queue') },
  );
  try {
    await ingress.message(
      (message) => ((message as { type?: string }).type === 'listening' ? true : undefined),
      20_000,
      'listening',
    );
    const worker = await startDeliveringWorker(workspace, 'bare', setup);
    return { port, processes: [ingress, worker] };
  } catch (error) {
    await ingress.stop();
    throw error;
  }
}

/** One paced rate through a running pipeline, every acknowledged event waited for. */
async function measureRate(
  run: BenchRun,
  running: Running,
  backend: Backend,
  rate: number,
  what: string,
): Promise<RateRun> {
  const { workspace, options } = run;
  await backend.reset();
  const requests = run.requestsFor(running.port);
  const load = await runLoad(workspace, {
    mode: 'paced',
    port: running.port,
    requests,
    rate,
    warmupSeconds: options.warmup,
    durationSeconds: options.e2eDuration,
    maxConnections: MAX_CONNECTIONS,
  });
  const statuses = load.statuses!;
  const dueAt = load.dueAt!;
  const measuredFrom = load.measuredFrom!;
  let acknowledged = 0;
  for (const status of statuses) if (status >= 200 && status < 300) acknowledged += 1;
  const refused = statuses.length - acknowledged;
  if (refused > 0)
    run.problem(
      `${what}: ${refused} of ${statuses.length} requests not answered 2xx, the first: ${load.firstRefusal ?? '?'}`,
    );

  await backend.waitFor(acknowledged, 30_000 + acknowledged * 5, running.processes);
  const report = await backend.report(true);
  const arrivals = new Map(report.arrivals);
  const latencies: number[] = [];
  let lost = 0;
  for (let index = 0; index < statuses.length; index++) {
    const status = statuses[index]!;
    if (status < 200 || status >= 300) continue;
    const at = arrivals.get(`${SOURCE_PATH} ${eventIdOf(requests.tag, index)}`);
    if (at === undefined) lost += 1;
    else if (index >= measuredFrom) latencies.push(at - dueAt[index]!);
  }
  if (lost > 0) run.problem(`${what}: ${lost} acknowledged events never reached the backend`);
  for (const child of running.processes)
    if (child.crashed) run.problem(`${what}: ${child.name} exited during the run`);
  latencies.sort((a, b) => a - b);
  const round = (value: number | undefined) => +(value ?? 0).toFixed(2);
  const result: RateRun = {
    rate,
    sent: statuses.length,
    acknowledged,
    refused,
    delivered: acknowledged - lost,
    lost,
    deliveredNotAcknowledged: Math.max(0, report.distinct - (acknowledged - lost)),
    p50Ms: round(latencies.length ? percentile(latencies, 50) : undefined),
    p99Ms: round(latencies.length ? percentile(latencies, 99) : undefined),
    maxMs: round(latencies.at(-1)),
    ackP50Ms: load.latencyMs.p50,
    ackP99Ms: load.latencyMs.p99,
  };
  progress(
    `${what}: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms; ` +
      `${result.delivered} delivered, ${result.lost} lost`,
  );
  return result;
}

/** One pipeline on a fresh Redis and backend, every rate in turn. */
async function measurePipeline(run: BenchRun, pipeline: Pipeline, round: number) {
  const { workspace, options } = run;
  const redis = await startRedis();
  try {
    const backend = await Backend.start(workspace);
    try {
      const setup = await writeRelayConfig(workspace, redis.url, backend.url);
      const running =
        pipeline === 'hookrelay'
          ? await startIngressSide(workspace, setup)
          : await startBareSide(workspace, setup);
      try {
        const results: RateRun[] = [];
        for (const rate of options.rates)
          results.push(
            await measureRate(
              run,
              running,
              backend,
              rate,
              `end-to-end round ${round + 1} ${pipeline} ${rate}/s`,
            ),
          );
        return results;
      } finally {
        for (const child of running.processes.reverse()) await child.stop();
      }
    } finally {
      await backend.stop();
    }
  } finally {
    await redis.cleanup();
  }
}

export async function endToEndSection(run: BenchRun) {
  const { options } = run;
  const pipelines: Pipeline[] = ['hookrelay', 'bare'];
  const runs: Record<Pipeline, RateRun[][]> = { hookrelay: [], bare: [] };
  for (let round = 0; round < options.rounds; round++)
    for (const pipeline of rotated(pipelines, round))
      runs[pipeline].push(await measurePipeline(run, pipeline, round));

  const summary = (pipeline: Pipeline, rate: number) => {
    const rateRuns = runs[pipeline].map((rounds) => rounds.find((r) => r.rate === rate)!);
    const of = (pick: (r: RateRun) => number) => +median(rateRuns.map(pick)).toFixed(2);
    const sum = (pick: (r: RateRun) => number) => rateRuns.reduce((total, r) => total + pick(r), 0);
    return {
      p50Ms: of((r) => r.p50Ms),
      p99Ms: of((r) => r.p99Ms),
      maxMs: of((r) => r.maxMs),
      ackP50Ms: of((r) => r.ackP50Ms),
      ackP99Ms: of((r) => r.ackP99Ms),
      sent: sum((r) => r.sent),
      delivered: sum((r) => r.delivered),
      lost: sum((r) => r.lost),
      refused: sum((r) => r.refused),
      runs: rateRuns,
    };
  };
  const byRate = options.rates.map((rate) => ({
    rate,
    hookrelay: summary('hookrelay', rate),
    bare: summary('bare', rate),
  }));
  const text = table(
    `3. End to end, paced (open loop): ${options.e2eDuration} s per rate after ${options.warmup} s ` +
      `of warm-up; latency = backend receipt − scheduled send; medians of ${options.rounds} round(s); ` +
      'delivered/lost summed over rounds (warm-up included)',
    [
      'rate/s',
      'pipeline',
      'p50 ms',
      'p99 ms',
      'max ms',
      'ack p99 ms',
      'delivered',
      'lost',
      'non-2xx',
    ],
    byRate.flatMap(({ rate, hookrelay, bare }) =>
      (['hookrelay', 'bare'] as const).map((pipeline) => {
        const s = pipeline === 'hookrelay' ? hookrelay : bare;
        return [
          num(rate),
          LABELS[pipeline],
          num(s.p50Ms, 1),
          num(s.p99Ms, 1),
          num(s.maxMs, 1),
          num(s.ackP99Ms, 1),
          num(s.delivered),
          num(s.lost),
          num(s.refused),
        ];
      }),
    ),
  );
  return {
    text,
    json: {
      rates: options.rates,
      warmupSeconds: options.warmup,
      durationSeconds: options.e2eDuration,
      rounds: options.rounds,
      pipelines: LABELS,
      byRate,
    },
  };
}
