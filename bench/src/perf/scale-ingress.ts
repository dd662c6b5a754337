/**
 * Part 1 of `npm run bench:scale`, ingress throughput with 1 and with 2 ingress processes on one
 * durable Redis (AOF, appendfsync always; a fresh one per measurement): the load generator opens
 * --connections keep-alive connections in all, spread over the processes' ports in turn as a
 * round-robin load balancer would, closed loop, a warm-up then --duration seconds, every request a
 * distinct Stripe-signed event. Reports per count the medians over --rounds of the total 2xx req/s,
 * each process's req/s, p50/p99 latency, the CPU each process used over the measured window
 * (ingresses, Redis; the generator's own), every non-2xx, and 2 ÷ 1.
 *   npm run bench:scale -- --parts ingress [--rounds 3 --duration 8 --connections 50]
 */
import { freePort } from '@hookrelay/testing';
import { CpuWindow } from '../kit/cpu.js';
import { startIngress, writeRelayConfig } from '../kit/hookrelay-apps.js';
import { runLoad } from '../kit/load.js';
import type { Child } from '../kit/processes.js';
import { progress } from '../kit/progress.js';
import { startRedis } from '../kit/redis.js';
import { median, ratio } from '../kit/stats.js';
import { num, table } from '../kit/table.js';
import { acrossRounds } from './context.js';
import { perProcessCell, type ScaleRun } from './scale-options.js';
import { medianRun, serverRun, type ServerRun } from './throughput.js';

export const INGRESS_COUNTS = [1, 2] as const;
type Count = (typeof INGRESS_COUNTS)[number];

interface ProcessFigures {
  readonly port: number;
  readonly connections: number;
  readonly rps: number;
  readonly cpuPercent: number | null;
  readonly peakRssMb: number | null;
}

export interface IngressRun extends ServerRun {
  readonly ingresses: number;
  readonly perProcess: readonly ProcessFigures[];
  readonly redisCpuPercent: number | null;
  /** The whole machine's CPU over the window: these processes, the generator, anyone else's. */
  readonly machineCpuPercent: number | null;
}

/** Starts `count` ingress processes on one config, each its own port; all or none. */
async function startIngresses(
  run: ScaleRun,
  count: number,
  setup: Awaited<ReturnType<typeof writeRelayConfig>>,
) {
  const ports = [setup.ingressPort];
  while (ports.length < count) ports.push(await freePort());
  const started = await Promise.allSettled(
    ports.map((port) => startIngress(run.workspace, setup, port)),
  );
  const children = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    for (const child of children) await child.stop();
    throw failed.reason;
  }
  return { ports, children };
}

async function measure(run: ScaleRun, count: Count, round: number): Promise<IngressRun> {
  const { workspace, options } = run;
  const what = `ingress round ${round + 1}, ${count} process(es)`;
  const redis = await startRedis();
  let children: Child[] = [];
  try {
    const setup = await writeRelayConfig(workspace, redis.url, 'http://127.0.0.1:9');
    const started = await startIngresses(run, count, setup);
    children = started.children;
    const cpu = new CpuWindow(
      new Map([
        ...children.map((child, i) => [`ingress${i}`, child.pid] as const),
        ['redis', redis.server.pid],
      ]),
    );
    const load = await runLoad(
      workspace,
      {
        mode: 'closed',
        port: started.ports[0]!,
        morePorts: started.ports.slice(1),
        requests: run.requestsFor(started.ports[0]!),
        connections: options.connections,
        warmupSeconds: options.warmup,
        durationSeconds: options.duration,
        // More than the throughput section's 3: on a shared machine the measured rate can run well
        // past the warm-up's, and a repeated request is a duplicate (a cheaper 200).
        headroom: 4,
      },
      undefined,
      () => cpu.begin(),
    );
    const { byName: cpuPercent, machine: machineCpuPercent } = cpu.end();
    const base = serverRun(run, what, load, children[0]!, true);
    children.forEach((child, i) => {
      if (i > 0 && child.crashed) run.problem(`${what}: ingress ${i + 1} exited during the run`);
    });
    const result: IngressRun = {
      ...base,
      ingresses: count,
      perProcess: children.map((child, i) => ({
        port: started.ports[i]!,
        connections: load.perPort[i]?.connections ?? 0,
        rps: load.perPort[i]?.rps ?? 0,
        cpuPercent: cpuPercent[`ingress${i}`] ?? null,
        peakRssMb: child.peakRssMb(),
      })),
      redisCpuPercent: cpuPercent.redis ?? null,
      machineCpuPercent,
    };
    progress(
      `${what}: ${result.rps} req/s (${perProcessCell(result.perProcess.map((p) => p.rps))}), ` +
        `p99 ${result.p99Ms} ms; CPU % ingress ${perProcessCell(result.perProcess.map((p) => p.cpuPercent ?? '?'))}, ` +
        `redis ${result.redisCpuPercent}, generator ${result.generatorCpuPercent}, machine ${machineCpuPercent}`,
    );
    return result;
  } finally {
    for (const child of children) await child.stop();
    await redis.cleanup();
  }
}

/** Medians over rounds of one count: medianRun's figures, then each process's and Redis's. */
function summarise(runs: readonly IngressRun[]) {
  const mid = (values: readonly (number | null)[]) => {
    const known = values.filter((value): value is number => value !== null);
    return known.length ? Math.round(median(known)) : null;
  };
  const processes = runs[0]?.perProcess.length ?? 0;
  return {
    ...medianRun(runs),
    perProcess: Array.from({ length: processes }, (_, i) => ({
      rps: mid(runs.map((r) => r.perProcess[i]?.rps ?? null)),
      cpuPercent: mid(runs.map((r) => r.perProcess[i]?.cpuPercent ?? null)),
      peakRssMb: mid(runs.map((r) => r.perProcess[i]?.peakRssMb ?? null)),
    })),
    redisCpuPercent: mid(runs.map((r) => r.redisCpuPercent)),
    machineCpuPercent: mid(runs.map((r) => r.machineCpuPercent)),
    runs,
  };
}

export type IngressSummary = ReturnType<typeof summarise>;

export async function ingressPart(run: ScaleRun) {
  const { options } = run;
  const byCount = await acrossRounds(
    options.rounds,
    INGRESS_COUNTS,
    (count, round) => measure(run, count, round),
    summarise,
  );
  const scaling = ratio(byCount[2].rps, byCount[1].rps);
  const text = table(
    `1. Ingress: 1 vs 2 processes on one durable Redis; ${options.connections} connections in all, ` +
      `spread over them, closed loop; ${options.duration} s after ${options.warmup} s of warm-up; ` +
      `medians of ${options.rounds} round(s); CPU in % of one core over the measured window ` +
      `(machine: every process on it, other users' too)`,
    [
      'ingresses',
      'req/s',
      'req/s per process',
      'p50 ms',
      'p99 ms',
      'CPU % per ingress',
      'Redis CPU %',
      'generator CPU %',
      'machine CPU %',
      'non-2xx',
      '÷ 1 process',
    ],
    INGRESS_COUNTS.map((count) => {
      const s = byCount[count];
      return [
        String(count),
        num(s.rps),
        perProcessCell(s.perProcess.map((p) => num(p.rps))),
        num(s.p50Ms, 2),
        num(s.p99Ms, 2),
        perProcessCell(s.perProcess.map((p) => num(p.cpuPercent))),
        num(s.redisCpuPercent),
        num(s.generatorCpuPercent),
        num(s.machineCpuPercent),
        num(s.non2xx),
        num(ratio(s.rps, byCount[1].rps), 3),
      ];
    }),
  );
  return {
    text,
    summary: byCount,
    json: {
      connections: options.connections,
      warmupSeconds: options.warmup,
      durationSeconds: options.duration,
      rounds: options.rounds,
      byProcesses: byCount,
      scaling: { twoVsOne: scaling },
    },
  };
}
