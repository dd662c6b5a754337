/**
 * Part 3 of `npm run bench:scale`, what `redis.waitForReplicas: 1` costs (docs/replicas.md: the
 * ingress answers 202 only once Redis `WAIT` says a replica holds the write). One ingress process
 * on a durable Redis that has a replica attached (a second durable redis-server, `REPLICAOF`, both
 * fresh per measurement), with waitForReplicas 0 (the replica is there, nothing waits for it) and
 * 1: closed loop (--connections, --duration) req/s and ack p50/p99, then paced at --rate for
 * --paced-duration seconds (open loop: latency from when each request was due). At the end, once
 * the replica caught up, its inbox must hold every event the primary's holds (no worker runs, so
 * every acknowledged event is still there). Medians over --rounds.
 *   npm run bench:scale -- --parts replicas [--rounds 3 --rate 500]
 */
import { InboxKeys } from '@hookrelay/queue';
import { CpuWindow } from '../kit/cpu.js';
import { ONE_DESTINATION, startIngress, writeRelayConfig } from '../kit/hookrelay-apps.js';
import { runLoad } from '../kit/load.js';
import type { LoadResult } from '../kit/load-protocol.js';
import type { Child } from '../kit/processes.js';
import { progress } from '../kit/progress.js';
import {
  commandCalls,
  listLength,
  replicaCaughtUp,
  startRedis,
  startReplicaOf,
} from '../kit/redis.js';
import { median, ratio } from '../kit/stats.js';
import { num, table } from '../kit/table.js';
import type { TestRedis } from '@hookrelay/testing';
import { acrossRounds } from './context.js';
import type { ScaleRun } from './scale-options.js';

export const WAIT_FOR = [0, 1] as const;
type WaitFor = (typeof WAIT_FOR)[number];
/** Connections the paced generator may open at most. */
const MAX_CONNECTIONS = 256;

export interface ReplicaRun {
  readonly waitForReplicas: number;
  readonly closed: {
    readonly rps: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly p999Ms: number;
    readonly non2xx: number;
    readonly ingressCpuPercent: number | null;
    readonly primaryCpuPercent: number | null;
    readonly replicaCpuPercent: number | null;
    readonly machineCpuPercent: number | null;
  };
  readonly paced: {
    readonly rate: number;
    readonly sent: number;
    readonly ackP50Ms: number;
    readonly ackP99Ms: number;
    readonly ackMaxMs: number;
    readonly non2xx: number;
  };
  /** Inbox entries on the primary and, once caught up, on the replica. */
  readonly primaryInbox: number;
  readonly replicaInbox: number;
  readonly replicaCaughtUp: boolean;
  /** WAIT commands the primary ran (the ingress's), and the events each confirmed on average. */
  readonly waitCalls: number;
  readonly eventsPerWait: number | null;
}

function refusals(run: ScaleRun, what: string, load: LoadResult): number {
  const non2xx = load.requests - load.status['2xx'];
  if (non2xx > 0)
    run.problem(`${what}: ${non2xx} answers not 2xx, the first: ${load.firstRefusal ?? '?'}`);
  if (load.repeated > 0) run.problem(`${what}: ${load.repeated} requests repeated (duplicates)`);
  return non2xx;
}

async function measure(run: ScaleRun, waitFor: WaitFor, round: number): Promise<ReplicaRun> {
  const { workspace, options } = run;
  const what = `replicas round ${round + 1}, waitForReplicas ${waitFor}`;
  const primary = await startRedis();
  let replica: TestRedis | undefined;
  let ingress: Child | undefined;
  try {
    replica = await startReplicaOf(primary);
    const setup = await writeRelayConfig(
      workspace,
      primary.url,
      'http://127.0.0.1:9',
      ONE_DESTINATION,
      { redis: `waitForReplicas: ${waitFor}` },
    );
    ingress = await startIngress(workspace, setup);
    const cpu = new CpuWindow(
      new Map([
        ['ingress', ingress.pid],
        ['primary', primary.server.pid],
        ['replica', replica.server.pid],
      ]),
    );
    const closed = await runLoad(
      workspace,
      {
        mode: 'closed',
        port: setup.ingressPort,
        requests: run.requestsFor(setup.ingressPort),
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
    const closedRefused = refusals(run, `${what}, closed loop`, closed);
    const paced = await runLoad(workspace, {
      mode: 'paced',
      port: setup.ingressPort,
      requests: run.requestsFor(setup.ingressPort),
      rate: options.rate,
      warmupSeconds: options.warmup,
      durationSeconds: options.pacedDuration,
      maxConnections: MAX_CONNECTIONS,
    });
    const pacedRefused = refusals(run, `${what}, paced ${options.rate}/s`, paced);
    if (ingress.crashed) run.problem(`${what}: the ingress exited during the run`);

    const inbox = new InboxKeys(setup.config.redis.prefix).inbox();
    const caughtUp = await replicaCaughtUp(primary.url, replica.url, 15_000);
    const primaryInbox = await listLength(primary.url, inbox);
    const replicaInbox = await listLength(replica.url, inbox);
    const waitCalls = await commandCalls(primary.url, 'wait');
    if (waitFor > 0 && waitCalls === 0)
      run.problem(`${what}: the ingress sent Redis no WAIT: is redis.waitForReplicas built in?`);
    if (!caughtUp) run.problem(`${what}: the replica did not catch up within 15 s`);
    else if (replicaInbox !== primaryInbox)
      run.problem(
        `${what}: the replica's inbox holds ${replicaInbox} events, the primary's ${primaryInbox}`,
      );
    const result: ReplicaRun = {
      waitForReplicas: waitFor,
      closed: {
        rps: closed.rps,
        p50Ms: closed.latencyMs.p50,
        p99Ms: closed.latencyMs.p99,
        p999Ms: closed.latencyMs.p999,
        non2xx: closedRefused,
        ingressCpuPercent: cpuPercent.ingress ?? null,
        primaryCpuPercent: cpuPercent.primary ?? null,
        replicaCpuPercent: cpuPercent.replica ?? null,
        machineCpuPercent,
      },
      paced: {
        rate: options.rate,
        sent: paced.statuses?.length ?? paced.requests,
        ackP50Ms: paced.latencyMs.p50,
        ackP99Ms: paced.latencyMs.p99,
        ackMaxMs: paced.latencyMs.max,
        non2xx: pacedRefused,
      },
      primaryInbox,
      replicaInbox,
      replicaCaughtUp: caughtUp,
      waitCalls,
      eventsPerWait: waitCalls > 0 ? +(primaryInbox / waitCalls).toFixed(2) : null,
    };
    progress(
      `${what}: closed ${result.closed.rps} req/s, p50 ${result.closed.p50Ms} ms, p99 ` +
        `${result.closed.p99Ms} ms; paced ${options.rate}/s ack p50 ${result.paced.ackP50Ms} ms, ` +
        `p99 ${result.paced.ackP99Ms} ms; replica inbox ${replicaInbox} of ${primaryInbox}; ` +
        `${waitCalls} WAIT calls`,
    );
    return result;
  } finally {
    await ingress?.stop();
    await replica?.cleanup();
    await primary.cleanup();
  }
}

function summarise(runs: readonly ReplicaRun[]) {
  const mid = (values: readonly (number | null)[], digits = 3) => {
    const known = values.filter((value): value is number => value !== null);
    return known.length ? +median(known).toFixed(digits) : null;
  };
  return {
    closed: {
      rps: Math.round(mid(runs.map((r) => r.closed.rps)) ?? 0),
      p50Ms: mid(runs.map((r) => r.closed.p50Ms)),
      p99Ms: mid(runs.map((r) => r.closed.p99Ms)),
      p999Ms: mid(runs.map((r) => r.closed.p999Ms)),
      non2xx: runs.reduce((sum, r) => sum + r.closed.non2xx, 0),
      ingressCpuPercent: mid(
        runs.map((r) => r.closed.ingressCpuPercent),
        0,
      ),
      primaryCpuPercent: mid(
        runs.map((r) => r.closed.primaryCpuPercent),
        0,
      ),
      replicaCpuPercent: mid(
        runs.map((r) => r.closed.replicaCpuPercent),
        0,
      ),
      machineCpuPercent: mid(
        runs.map((r) => r.closed.machineCpuPercent),
        0,
      ),
    },
    paced: {
      rate: runs[0]?.paced.rate ?? 0,
      ackP50Ms: mid(runs.map((r) => r.paced.ackP50Ms)),
      ackP99Ms: mid(runs.map((r) => r.paced.ackP99Ms)),
      ackMaxMs: mid(runs.map((r) => r.paced.ackMaxMs)),
      non2xx: runs.reduce((sum, r) => sum + r.paced.non2xx, 0),
    },
    eventsPerWait: mid(
      runs.map((r) => r.eventsPerWait),
      2,
    ),
    replicaMissing: runs.reduce((sum, r) => sum + Math.max(0, r.primaryInbox - r.replicaInbox), 0),
    runs,
  };
}

export type ReplicaSummary = ReturnType<typeof summarise>;

export async function replicasPart(run: ScaleRun) {
  const { options } = run;
  const byWait = await acrossRounds(
    options.rounds,
    WAIT_FOR,
    (waitFor, round) => measure(run, waitFor, round),
    summarise,
  );
  const text = table(
    `3. redis.waitForReplicas: one ingress, its Redis with a replica attached (REPLICAOF, both ` +
      `durable); closed loop ${options.connections} connections ${options.duration} s, then paced ` +
      `${num(options.rate)}/s for ${options.pacedDuration} s (latency from when each was due); ` +
      `medians of ${options.rounds} round(s)`,
    [
      'waitForReplicas',
      'req/s',
      'p50 ms',
      'p99 ms',
      `ack p50 ms at ${options.rate}/s`,
      `ack p99 ms at ${options.rate}/s`,
      'ingress CPU %',
      'Redis CPU % (primary, replica)',
      'machine CPU %',
      'events per WAIT',
      'non-2xx',
      'req/s ÷ 0',
    ],
    WAIT_FOR.map((waitFor) => {
      const s = byWait[waitFor];
      return [
        String(waitFor),
        num(s.closed.rps),
        num(s.closed.p50Ms, 2),
        num(s.closed.p99Ms, 2),
        num(s.paced.ackP50Ms, 2),
        num(s.paced.ackP99Ms, 2),
        num(s.closed.ingressCpuPercent),
        `${num(s.closed.primaryCpuPercent)}, ${num(s.closed.replicaCpuPercent)}`,
        num(s.closed.machineCpuPercent),
        num(s.eventsPerWait, 1),
        num(s.closed.non2xx + s.paced.non2xx),
        num(ratio(s.closed.rps, byWait[0].closed.rps), 3),
      ];
    }),
  );
  return {
    text,
    summary: byWait,
    json: {
      connections: options.connections,
      durationSeconds: options.duration,
      rate: options.rate,
      pacedDurationSeconds: options.pacedDuration,
      rounds: options.rounds,
      byWaitForReplicas: byWait,
      ratios: { rpsOneVsZero: ratio(byWait[1].closed.rps, byWait[0].closed.rps) },
    },
  };
}
