/**
 * `npm run bench:scale`: what more processes give on this machine, against ONE durable Redis (AOF,
 * appendfsync always, as the kit starts it), with the real built processes (apps/<name>/dist), each
 * figure a median over rounds, one part per file in perf/:
 *   1. ingress   1 vs 2 ingress processes, the load generator spreading its connections over both
 *                ports as a load balancer would: total and per-process req/s, p50/p99, CPU per
 *                process (perf/scale-ingress.ts);
 *   2. delivery  1 vs 3 worker processes draining the same --events queued events to a loopback
 *                backend: total and per-process deliveries/s, CPU; the intake's rate apart
 *                (perf/scale-delivery.ts);
 *   3. replicas  `redis.waitForReplicas` 0 vs 1, one ingress, its Redis with a replica attached:
 *                req/s and ack p50/p99 closed loop, ack latency paced at --rate
 *                (perf/scale-replicas.ts).
 * Prints one table per part and a paragraph on what the figures can and cannot show here, progress
 * to stderr; writes every figure with the machine and the command to bench/results/scale.json (or
 * --out). Exits 1 when an event was lost or refused, a process died, or a part failed.
 *   npm run bench:scale                       (3 rounds; about 6 minutes on 2 cores)
 *   npm run bench:scale -- --short            (1 round, a few seconds per cell)
 *   npm run bench:scale -- --parts ingress,replicas --rounds 1
 * Options (defaults): --rounds 3, --duration 8 (s per closed-loop measurement), --warmup 1,
 * --connections 50, --events 20000, --rate 500, --paced-duration 5,
 * --parts ingress,delivery,replicas, --short, --out bench/results/scale.json.
 * Needs the apps built (npm run build) and redis-server on PATH.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadAverage, machineInfo } from './kit/machine.js';
import { killAll, killAllOnSignals } from './kit/processes.js';
import { progress } from './kit/progress.js';
import { buildStripeRequests } from './kit/stripe-requests.js';
import { num } from './kit/table.js';
import { Workspace } from './kit/workspace.js';
import { BenchRun } from './perf/context.js';
import { deliveryPart, type DeliverySummary } from './perf/scale-delivery.js';
import { ingressPart, type IngressSummary } from './perf/scale-ingress.js';
import {
  SCALE_PARTS,
  type ScaleOptions,
  type ScalePart,
  type ScaleRun,
} from './perf/scale-options.js';
import { replicasPart, type ReplicaSummary } from './perf/scale-replicas.js';
import { namesOf, positive } from './kit/cli-options.js';
import { finishRun } from './kit/report.js';

const DEFAULT_OUT = fileURLToPath(new URL('../results/scale.json', import.meta.url));

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    events: { type: 'string' },
    rate: { type: 'string' },
    'paced-duration': { type: 'string' },
    parts: { type: 'string' },
    short: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

function parseOptions(): ScaleOptions {
  const short = values.short ?? false;
  const parts = namesOf('parts', values.parts, SCALE_PARTS);
  return {
    rounds: Math.round(positive('rounds', values.rounds, short ? 1 : 3)),
    duration: positive('duration', values.duration, short ? 1 : 8),
    warmup: positive('warmup', values.warmup, short ? 0.5 : 1),
    connections: Math.round(positive('connections', values.connections, 50)),
    events: Math.round(positive('events', values.events, short ? 1_000 : 20_000)),
    rate: positive('rate', values.rate, short ? 100 : 500),
    pacedDuration: positive('paced-duration', values['paced-duration'], short ? 1 : 5),
    parts: SCALE_PARTS.filter((name) => parts.includes(name)),
    short,
  };
}

interface PartOutput {
  readonly text: string;
  readonly json: unknown;
}

const PARTS: Record<ScalePart, (run: ScaleRun) => Promise<PartOutput & { summary: unknown }>> = {
  ingress: ingressPart,
  delivery: deliveryPart,
  replicas: replicasPart,
};

/** Sum of the CPU figures known, % of one core. */
const cpuSum = (values: readonly (number | null | undefined)[]) =>
  values.reduce<number>((sum, value) => sum + (value ?? 0), 0);

/**
 * Where adding processes stopped paying, from the figures: the `gain` of `more` processes over
 * `fewer`, how busy the machine's cores were with `more` (`machine`), and how much of that was this
 * run's own processes (`ours`).
 */
function verdict(
  what: string,
  fewer: number,
  more: number,
  gain: number,
  machine: number | null,
  ours: number,
  capacity: number,
): string {
  const parts = [
    gain < 1.1
      ? `Here it stops scaling at ${fewer} ${what}: ${more} gave ×${num(gain, 2)}.`
      : `${more} gave ×${num(gain, 2)}, not ×${num(more / fewer, 0)}.`,
  ];
  if (machine !== null && machine >= 0.9 * capacity)
    parts.push(
      `With ${more}, the cores were full (machine ${num(machine)} % of ${capacity} %): ` +
        `${gain < 1.1 ? 'the processes added only split them' : 'it stops there on this machine'}.`,
    );
  else if (machine !== null)
    parts.push(
      `With ${more}, the cores were not full (machine ${num(machine)} % of ${capacity} %): CPU ` +
        `was not all that held it back; every process shares the one Redis and its fsync of the AOF.`,
    );
  if (machine !== null && machine - ours > 0.25 * capacity)
    parts.push(
      `Other work used about ${num(machine - ours)} % of the machine meanwhile (this run's ` +
        `processes ${num(ours)} %): ours competed with it, and more processes take a larger share ` +
        `of the cores from it, so this ratio is not the relay's alone; a quiet machine is needed.`,
    );
  return parts.join(' ');
}

/**
 * What the figures can and cannot say on this machine, from the figures themselves: every process
 * of the run competes for the same cores, so more processes cannot scale linearly here.
 */
function whatItShows(
  cpus: number,
  summaries: Partial<{
    ingress: Record<1 | 2, IngressSummary>;
    delivery: Record<1 | 3, DeliverySummary>;
    replicas: Record<0 | 1, ReplicaSummary>;
  }>,
): string {
  const capacity = cpus * 100;
  const lines = [
    `What this can show: every process of this run (the load generator, Redis, the backend, the ` +
      `ingress and worker processes) and anything else running on this machine shares the same ` +
      `${cpus} core(s), ${capacity} % of CPU in all ("machine CPU %" counts them all). A process ` +
      `added here takes CPU from the others, so no figure below can scale linearly: horizontal ` +
      `scale needs cores (or machines) for the processes added, and a Redis that keeps up.`,
  ];
  const { ingress, delivery, replicas } = summaries;
  if (ingress) {
    const [one, two] = [ingress[1], ingress[2]];
    const gain = one.rps > 0 ? two.rps / one.rps : 0;
    const ours = cpuSum([
      ...two.perProcess.map((p) => p.cpuPercent),
      two.redisCpuPercent,
      two.generatorCpuPercent,
    ]);
    lines.push(
      `- Ingress: 2 processes ${num(two.rps)} req/s (${two.perProcess.map((p) => num(p.rps)).join(' + ')}) ` +
        `against ${num(one.rps)} for one; machine CPU ${num(one.machineCpuPercent)} % with one, ` +
        `${num(two.machineCpuPercent)} % with two. ` +
        verdict('ingress process', 1, 2, gain, two.machineCpuPercent, ours, capacity),
    );
  }
  if (delivery) {
    const [one, three] = [delivery[1], delivery[3]];
    const gain =
      one.deliveriesPerSecond > 0 ? three.deliveriesPerSecond / one.deliveriesPerSecond : 0;
    const intake = Math.max(one.intakePerSecond ?? 0, three.intakePerSecond ?? 0);
    const ours = cpuSum([
      ...three.perProcess.map((p) => p.cpuPercent),
      three.redisCpuPercent,
      three.backendCpuPercent,
    ]);
    lines.push(
      `- Delivery: 3 workers ${num(three.deliveriesPerSecond)} deliveries/s ` +
        `(${three.perProcess.map((p) => num(p.perSecond)).join(' + ')}) against ` +
        `${num(one.deliveriesPerSecond)} for one; machine CPU ${num(one.machineCpuPercent)} % with ` +
        `one, ${num(three.machineCpuPercent)} % with three. ` +
        verdict('worker process', 1, 3, gain, three.machineCpuPercent, ours, capacity) +
        ` The intake (inbox → jobs) is one leader at a time whatever the number of workers ` +
        `(about ${num(intake)} events/s here, timed alone): live traffic cannot be delivered ` +
        `faster than it, however many workers run.`,
    );
  }
  if (replicas) {
    const [zero, wait] = [replicas[0], replicas[1]];
    const gain = zero.closed.rps > 0 ? wait.closed.rps / zero.closed.rps : 0;
    lines.push(
      `- waitForReplicas 1: ${num(wait.closed.rps)} req/s against ${num(zero.closed.rps)} with 0 ` +
        `(×${num(gain, 2)}), ack p50 ${num(wait.closed.p50Ms, 2)} ms against ${num(zero.closed.p50Ms, 2)}; ` +
        `paced at ${num(wait.paced.rate)}/s, ack p50/p99 ${num(wait.paced.ackP50Ms, 2)}/${num(wait.paced.ackP99Ms, 2)} ms ` +
        `against ${num(zero.paced.ackP50Ms, 2)}/${num(zero.paced.ackP99Ms, 2)}. The replica is another ` +
        `durable redis-server on the same cores and disk, over loopback: a replica on another ` +
        `machine adds its network round trip to every acknowledgement, and takes its CPU from ` +
        `nothing here.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const options = parseOptions();
const out = resolve(values.out ?? DEFAULT_OUT);
const startedAt = new Date();
const workspace = Workspace.create();
killAllOnSignals(() => workspace.remove());
const run: ScaleRun = new BenchRun(options, workspace);
const sample = buildStripeRequests(run.requestsFor(0), 0, 1);
const machine = machineInfo();
const parts: Record<string, unknown> = {};
const summaries: Record<string, unknown> = {};
let failure: string | undefined;
let note = '';
progress(
  `bench:scale: ${options.parts.join(', ')}; ${options.rounds} round(s); ${machine.cpus} CPUs, ` +
    `load ${machine.loadAverageAtStart.join(' ')}, node ${machine.node}, redis ${machine.redis}; ` +
    `work in ${workspace.dir}`,
);
try {
  for (const name of options.parts) {
    const partStart = performance.now();
    progress(`— ${name} —`);
    const { text, json, summary } = await PARTS[name](run);
    const seconds = Math.round((performance.now() - partStart) / 1000);
    parts[name] = { ...(json as object), seconds };
    summaries[name] = summary;
    process.stdout.write(`${text}\n`);
  }
} catch (error) {
  failure = (error as Error).stack ?? String(error);
  progress(`bench:scale failed: ${failure}`);
} finally {
  killAll();
}
if (Object.keys(summaries).length) {
  note = whatItShows(machine.cpus, summaries);
  process.stdout.write(note);
}

const report = {
  command: `npm run bench:scale -- ${process.argv.slice(2).join(' ')}`.trim(),
  argv: process.argv.slice(2),
  date: startedAt.toISOString(),
  seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  machine: { ...machine, loadAverageAtEnd: loadAverage() },
  options,
  requests: {
    kind: 'Stripe payment_intent.succeeded, signed with the stripe package, each its own event id',
    bodyBytes: sample.bodyBytes,
    requestBytes: sample.requestBytes,
  },
  parts,
  note,
  problems: run.problems,
  failure,
};
finishRun(out, report, failure, workspace);
