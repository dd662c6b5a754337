/**
 * Part 2 of `npm run bench:scale`, delivery with 1 and with 3 worker processes on one durable Redis
 * (a fresh one per measurement): --events Stripe events acknowledged by the real ingress process
 * (then stopped), made into delivery jobs by one intake run here (timed apart: in production the
 * intake runs in the workers, one leader at a time, so it does not grow with them), the queue
 * paused, the workers started and ready, then the queue resumed: every process starts at once on
 * the same jobs. Measured at the backend (a plain node:http child answering 200 `{}`): deliveries
 * per second from the first delivery to the last, once it has every one; each worker's share from
 * its /metrics; the CPU each process used meanwhile (workers, Redis, the backend). Medians over
 * --rounds.
 *   npm run bench:scale -- --parts delivery [--rounds 3 --events 20000]
 */
import { Queue } from 'bullmq';
import { freePort } from '@hookrelay/testing';
import { Backend } from '../kit/backend.js';
import { CpuWindow } from '../kit/cpu.js';
import type { RedisClient } from '@hookrelay/queue';
import { workerDeliveries, writeRelayConfig } from '../kit/hookrelay-apps.js';
import { intakeAll } from '../kit/intake-all.js';
import type { Child } from '../kit/processes.js';
import { progress } from '../kit/progress.js';
import { quietRedis, startRedis } from '../kit/redis.js';
import { enqueueThroughIngress, startDeliveringWorker } from '../kit/relay-steps.js';
import { median, ratio } from '../kit/stats.js';
import { num, table } from '../kit/table.js';
import { acrossRounds } from './context.js';
import { perProcessCell, type ScaleRun } from './scale-options.js';

export const WORKER_COUNTS = [1, 3] as const;
type Count = (typeof WORKER_COUNTS)[number];

interface ProcessFigures {
  readonly deliveries: number | null;
  readonly perSecond: number | null;
  readonly cpuPercent: number | null;
  readonly peakRssMb: number | null;
}

export interface DeliveryRun {
  readonly workers: number;
  readonly events: number;
  readonly accepted: number;
  /** Events per second the ingress acknowledged while queueing them. */
  readonly enqueueRps: number;
  /** The inbox made into jobs by one intake, events per second (before the workers start). */
  readonly intakePerSecond: number;
  readonly delivered: number;
  readonly lost: number;
  /** Requests the backend received beyond one per delivery. */
  readonly repeats: number;
  readonly deliveriesPerSecond: number;
  readonly perProcess: readonly ProcessFigures[];
  readonly redisCpuPercent: number | null;
  readonly backendCpuPercent: number | null;
  /** The whole machine's CPU over the drain: these processes and anyone else's. */
  readonly machineCpuPercent: number | null;
}

async function measure(run: ScaleRun, count: Count, round: number): Promise<DeliveryRun> {
  const { workspace, options } = run;
  const what = `delivery round ${round + 1}, ${count} worker(s)`;
  const redis = await startRedis();
  const backend = await Backend.start(workspace);
  const workers: Child[] = [];
  let control: RedisClient | undefined;
  let queues: Queue[] = [];
  try {
    const setup = await writeRelayConfig(workspace, redis.url, backend.url);
    const enqueued = await enqueueThroughIngress(
      workspace,
      setup,
      run.requestsFor(setup.ingressPort),
      options.events,
      options.connections,
    );
    const accepted = enqueued.load.status['2xx'];
    if (accepted < options.events)
      run.problem(
        `${what}: the ingress refused ${options.events - accepted} of ${options.events} events, ` +
          `the first: ${enqueued.load.firstRefusal ?? '?'}`,
      );
    if (enqueued.ingressCrashed) run.problem(`${what}: the ingress exited while queueing`);
    const intake = await intakeAll(setup.config);

    // Held while the workers start, so that they all begin on the same jobs at once.
    const connection = quietRedis(setup.config.redis, 'producer', 'bench-scale-pause');
    control = connection;
    queues = setup.queues.map(
      (name) => new Queue(name, { connection, prefix: setup.config.redis.prefix }),
    );
    await Promise.all(queues.map((queue) => queue.pause()));
    const ports = [setup.workerPort];
    while (ports.length < count) ports.push(await freePort());
    const started = await Promise.allSettled(
      ports.map((port) => startDeliveringWorker(workspace, 'hookrelay', setup, port)),
    );
    for (const result of started) if (result.status === 'fulfilled') workers.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;

    const cpu = new CpuWindow(
      new Map([
        ...workers.map((worker, i) => [`worker${i}`, worker.pid] as const),
        ['redis', redis.server.pid],
        ['backend', backend.child.pid],
      ]),
    );
    await Promise.all(queues.map((queue) => queue.resume()));
    const expected = accepted * setup.queues.length;
    const complete = await backend.waitFor(expected, 60_000 + expected * 10, workers);
    const { byName: cpuPercent, machine: machineCpuPercent } = cpu.end();
    const peaks = workers.map((worker) => worker.peakRssMb());
    const report = await backend.report();
    const lost = expected - report.distinct;
    if (!complete || lost > 0)
      run.problem(`${what}: ${lost} of ${expected} deliveries never reached the backend`);
    workers.forEach((worker, i) => {
      if (worker.crashed) run.problem(`${what}: worker ${i + 1} exited during the drain`);
    });
    const span = (report.lastAt - report.firstAt) / 1000;
    const perProcess = await Promise.all(
      ports.map(async (port, i) => {
        const deliveries = await workerDeliveries(port);
        return {
          deliveries,
          perSecond: deliveries === null || span <= 0 ? null : Math.round(deliveries / span),
          cpuPercent: cpuPercent[`worker${i}`] ?? null,
          peakRssMb: peaks[i] ?? null,
        };
      }),
    );
    const result: DeliveryRun = {
      workers: count,
      events: options.events,
      accepted,
      enqueueRps: enqueued.load.rps,
      intakePerSecond: intake.eventsPerSecond,
      delivered: report.distinct,
      lost,
      repeats: report.requests - report.distinct,
      deliveriesPerSecond: span > 0 ? Math.round((report.distinct - 1) / span) : 0,
      perProcess,
      redisCpuPercent: cpuPercent.redis ?? null,
      backendCpuPercent: cpuPercent.backend ?? null,
      machineCpuPercent,
    };
    progress(
      `${what}: ${result.deliveriesPerSecond} deliveries/s ` +
        `(${perProcessCell(perProcess.map((p) => p.perSecond ?? '?'))}); CPU % workers ` +
        `${perProcessCell(perProcess.map((p) => p.cpuPercent ?? '?'))}, redis ${result.redisCpuPercent}, ` +
        `backend ${result.backendCpuPercent}, machine ${machineCpuPercent}; intake ` +
        `${result.intakePerSecond} events/s`,
    );
    return result;
  } finally {
    for (const worker of workers) await worker.stop();
    await Promise.allSettled(queues.map((queue) => queue.close()));
    control?.disconnect();
    await backend.stop();
    await redis.cleanup();
  }
}

function summarise(runs: readonly DeliveryRun[]) {
  const mid = (values: readonly (number | null)[]) => {
    const known = values.filter((value): value is number => value !== null);
    return known.length ? Math.round(median(known)) : null;
  };
  const processes = runs[0]?.perProcess.length ?? 0;
  return {
    deliveriesPerSecond: mid(runs.map((r) => r.deliveriesPerSecond)) ?? 0,
    intakePerSecond: mid(runs.map((r) => r.intakePerSecond)),
    enqueueRps: mid(runs.map((r) => r.enqueueRps)),
    perProcess: Array.from({ length: processes }, (_, i) => ({
      perSecond: mid(runs.map((r) => r.perProcess[i]?.perSecond ?? null)),
      cpuPercent: mid(runs.map((r) => r.perProcess[i]?.cpuPercent ?? null)),
      peakRssMb: mid(runs.map((r) => r.perProcess[i]?.peakRssMb ?? null)),
    })),
    redisCpuPercent: mid(runs.map((r) => r.redisCpuPercent)),
    backendCpuPercent: mid(runs.map((r) => r.backendCpuPercent)),
    machineCpuPercent: mid(runs.map((r) => r.machineCpuPercent)),
    delivered: runs.reduce((sum, r) => sum + r.delivered, 0),
    lost: runs.reduce((sum, r) => sum + r.lost, 0),
    repeats: runs.reduce((sum, r) => sum + r.repeats, 0),
    runs,
  };
}

export type DeliverySummary = ReturnType<typeof summarise>;

export async function deliveryPart(run: ScaleRun) {
  const { options } = run;
  const byCount = await acrossRounds(
    options.rounds,
    WORKER_COUNTS,
    (count, round) => measure(run, count, round),
    summarise,
  );
  const text = table(
    `2. Delivery: 1 vs 3 worker processes draining the same ${num(options.events)} queued events ` +
      `(worker.concurrency 50 each) to a loopback backend answering at once; the intake (inbox → ` +
      `jobs, one leader at a time) timed apart before the workers start; medians of ${options.rounds} round(s)`,
    [
      'workers',
      'deliveries/s',
      'per process',
      'CPU % per worker',
      'Redis CPU %',
      'backend CPU %',
      'machine CPU %',
      'intake events/s',
      'lost',
      'repeats',
      '÷ 1 worker',
    ],
    WORKER_COUNTS.map((count) => {
      const s = byCount[count];
      return [
        String(count),
        num(s.deliveriesPerSecond),
        perProcessCell(s.perProcess.map((p) => num(p.perSecond))),
        perProcessCell(s.perProcess.map((p) => num(p.cpuPercent))),
        num(s.redisCpuPercent),
        num(s.backendCpuPercent),
        num(s.machineCpuPercent),
        num(s.intakePerSecond),
        num(s.lost),
        num(s.repeats),
        num(ratio(s.deliveriesPerSecond, byCount[1].deliveriesPerSecond), 3),
      ];
    }),
  );
  return {
    text,
    summary: byCount,
    json: {
      events: options.events,
      rounds: options.rounds,
      byProcesses: byCount,
      scaling: {
        threeVsOne: ratio(byCount[3].deliveriesPerSecond, byCount[1].deliveriesPerSecond),
      },
    },
  };
}
