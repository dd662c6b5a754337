/**
 * Section 1 of `npm run bench`, ingress throughput: the hookrelay ingress process against a bare
 * Express 5 app answering 202 (baselines/bare-express.ts: the framework floor) and against Express
 * + one ioredis LPUSH of the raw body to a durable Redis (baselines/express-redis-write.ts: the
 * durable floor), also with ioredis autopipelining. Each server alone on the machine in turn (with
 * its own fresh durable Redis when it writes one), the sides' order rotating each round. Load: the
 * load generator (kit/load-generator.ts), closed loop, --connections keep-alive connections, a
 * warm-up then --duration seconds; every request a distinct Stripe-signed payment_intent.succeeded.
 * Reports per side the medians over --rounds of 2xx req/s, p50/p99/p99.9 latency and peak RSS
 * (VmHWM), every non-2xx answer, and ingress ÷ side of the req/s medians.
 *   npm run bench -- --sections throughput [--rounds 3 --duration 10 --connections 50]
 */
import { freePort } from '@hookrelay/testing';
import { startIngress, writeRelayConfig } from '../kit/hookrelay-apps.js';
import { runLoad } from '../kit/load.js';
import type { LoadResult } from '../kit/load-protocol.js';
import { forkChild, type Child } from '../kit/processes.js';
import { progress } from '../kit/progress.js';
import { startRedis } from '../kit/redis.js';
import { median, ratio } from '../kit/stats.js';
import { num, table } from '../kit/table.js';
import type { ChildEntry, Workspace } from '../kit/workspace.js';
import { rotated, type BenchRun } from './context.js';

type SideName = 'ingress' | 'bareExpress' | 'durableFloor' | 'durableFloorPipelined';

const LABELS: Record<SideName, string> = {
  ingress: 'hookrelay ingress',
  bareExpress: 'bare Express 5 (202, nothing else)',
  durableFloor: 'Express + LPUSH (durable floor)',
  durableFloorPipelined: 'Express + LPUSH, autopipelining',
};
const SIDES = Object.keys(LABELS) as SideName[];

export interface ServerRun {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly peakRssMb: number | null;
  readonly requests: number;
  readonly repeated: number;
  readonly generatorCpuPercent: number;
}

/**
 * A measurement's figures; a refusal or a crash is a problem of the run, and so is a repeated
 * request when the server de-duplicates (`dedupes`: the ingress answers a repeat 200, cheaper).
 */
export function serverRun(
  run: BenchRun<unknown>,
  what: string,
  load: LoadResult,
  server: Child,
  dedupes: boolean,
): ServerRun {
  const peakRssMb = server.peakRssMb();
  const non2xx = load.requests - load.status['2xx'];
  if (non2xx > 0)
    run.problem(`${what}: ${non2xx} answers not 2xx, the first: ${load.firstRefusal ?? '?'}`);
  if (load.repeated > 0 && dedupes)
    run.problem(`${what}: ${load.repeated} requests repeated (duplicates): too few were built`);
  if (server.crashed) run.problem(`${what}: the server exited during the run`);
  return {
    rps: load.rps,
    p50Ms: load.latencyMs.p50,
    p99Ms: load.latencyMs.p99,
    p999Ms: load.latencyMs.p999,
    maxMs: load.latencyMs.max,
    non2xx,
    peakRssMb,
    requests: load.requests,
    repeated: load.repeated,
    generatorCpuPercent: load.generatorCpuPercent,
  };
}

/** Medians over rounds of each figure (non-2xx and repeats summed). */
export function medianRun(runs: readonly ServerRun[]) {
  const of = (pick: (run: ServerRun) => number | null) =>
    +median(runs.map(pick).filter((value): value is number => value !== null)).toFixed(3);
  return {
    rps: Math.round(of((run) => run.rps)),
    p50Ms: of((run) => run.p50Ms),
    p99Ms: of((run) => run.p99Ms),
    p999Ms: of((run) => run.p999Ms),
    maxMs: of((run) => run.maxMs),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    peakRssMb: of((run) => run.peakRssMb),
    repeated: runs.reduce((sum, run) => sum + run.repeated, 0),
    generatorCpuPercent: Math.round(of((run) => run.generatorCpuPercent)),
  };
}

async function forkServer(
  workspace: Workspace,
  entry: ChildEntry,
  args: string[],
): Promise<{ child: Child; port: number }> {
  const port = await freePort();
  const child = forkChild(entry, workspace.entry(entry), [String(port), ...args], {
    logFile: workspace.logFile(entry.replace(/^.*\/|\.ts$/g, '')),
  });
  try {
    await child.message(
      (message) => ((message as { type?: string }).type === 'listening' ? true : undefined),
      20_000,
      'listening',
    );
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { child, port };
}

/** Starts one side's server (and its Redis), measures it, stops both. */
async function measureSide(run: BenchRun, side: SideName, round: number): Promise<ServerRun> {
  const { workspace, options } = run;
  const redis = side === 'bareExpress' ? undefined : await startRedis();
  try {
    let server: { child: Child; port: number };
    if (side === 'ingress') {
      const setup = await writeRelayConfig(workspace, redis!.url, 'http://127.0.0.1:9');
      server = { child: await startIngress(workspace, setup), port: setup.ingressPort };
    } else if (side === 'bareExpress') {
      server = await forkServer(workspace, 'baselines/bare-express.ts', []);
    } else {
      const flag = side === 'durableFloorPipelined' ? ['--auto-pipelining'] : [];
      server = await forkServer(workspace, 'baselines/express-redis-write.ts', [
        redis!.url,
        ...flag,
      ]);
    }
    try {
      const load = await runLoad(workspace, {
        mode: 'closed',
        port: server.port,
        requests: run.requestsFor(server.port),
        connections: options.connections,
        warmupSeconds: options.warmup,
        durationSeconds: options.duration,
        headroom: side === 'ingress' ? 3 : 1.5,
      });
      const result = serverRun(
        run,
        `throughput, ${LABELS[side]}, round ${round + 1}`,
        load,
        server.child,
        side === 'ingress',
      );
      progress(
        `throughput round ${round + 1} ${side}: ${result.rps} req/s, p99 ${result.p99Ms} ms, ` +
          `${result.peakRssMb} MB (generator ${result.generatorCpuPercent}% CPU)`,
      );
      return result;
    } finally {
      await server.child.stop();
    }
  } finally {
    await redis?.cleanup();
  }
}

export async function throughputSection(run: BenchRun) {
  const { options } = run;
  const runs: Record<SideName, ServerRun[]> = {
    ingress: [],
    bareExpress: [],
    durableFloor: [],
    durableFloorPipelined: [],
  };
  for (let round = 0; round < options.rounds; round++)
    for (const side of rotated(SIDES, round)) runs[side].push(await measureSide(run, side, round));

  const medians = Object.fromEntries(SIDES.map((side) => [side, medianRun(runs[side])])) as Record<
    SideName,
    ReturnType<typeof medianRun>
  >;
  const ingressRps = medians.ingress.rps;
  const ratios = {
    ingressVsBareExpress: ratio(ingressRps, medians.bareExpress.rps),
    ingressVsDurableFloor: ratio(ingressRps, medians.durableFloor.rps),
    ingressVsDurableFloorPipelined: ratio(ingressRps, medians.durableFloorPipelined.rps),
  };
  const text = table(
    `1. Ingress throughput: ${options.connections} connections, closed loop, keep-alive; ` +
      `${options.duration} s after ${options.warmup} s of warm-up; medians of ${options.rounds} round(s)`,
    ['side', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'non-2xx', 'peak RSS MB', 'ingress ÷ side'],
    SIDES.map((side) => {
      const m = medians[side];
      return [
        LABELS[side],
        num(m.rps),
        num(m.p50Ms, 2),
        num(m.p99Ms, 2),
        num(m.p999Ms, 2),
        num(m.non2xx),
        num(m.peakRssMb, 1),
        num(ratio(ingressRps, m.rps), 3),
      ];
    }),
  );
  return {
    text,
    json: {
      connections: options.connections,
      warmupSeconds: options.warmup,
      durationSeconds: options.duration,
      rounds: options.rounds,
      sides: Object.fromEntries(
        SIDES.map((side) => [side, { label: LABELS[side], ...medians[side], runs: runs[side] }]),
      ),
      ratios,
    },
  };
}
