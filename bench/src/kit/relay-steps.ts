/**
 * Steps the drain, memory and options sections share: queue events through the real ingress
 * process while no worker runs, then drain them with one worker process (hookrelay's, or the bare
 * BullMQ + axios one) until the backend has every delivery. Not run on its own.
 */
import type { Backend } from './backend.js';
import { startIngress, startWorker, PREFIX, type RelaySetup } from './hookrelay-apps.js';
import { runLoad } from './load.js';
import type { LoadResult } from './load-protocol.js';
import { forkChild, waitForHttp, type Child } from './processes.js';
import type { StripeRequestSpec } from './stripe-requests.js';
import type { Workspace } from './workspace.js';

export interface Enqueued {
  readonly load: LoadResult;
  readonly ingressPeakRssMb: number | null;
  readonly ingressCrashed: boolean;
}

/** Starts the ingress, sends `count` requests (closed loop, `connections`), stops it. */
export async function enqueueThroughIngress(
  workspace: Workspace,
  setup: RelaySetup,
  requests: StripeRequestSpec,
  count: number,
  connections: number,
): Promise<Enqueued> {
  const ingress = await startIngress(workspace, setup);
  try {
    const load = await runLoad(workspace, {
      mode: 'count',
      port: setup.ingressPort,
      requests,
      connections,
      count,
    });
    return { load, ingressPeakRssMb: ingress.peakRssMb(), ingressCrashed: ingress.crashed };
  } finally {
    await ingress.stop();
  }
}

export type WorkerKind = 'hookrelay' | 'bare';

export interface Drained {
  /** Every delivery arrived before the deadline. */
  readonly complete: boolean;
  /** Distinct deliveries the backend received, and every request (repeats included). */
  readonly delivered: number;
  readonly requests: number;
  /** Distinct deliveries per second, from the first delivery to the last. */
  readonly deliveriesPerSecond: number;
  /** From the worker's start to the last delivery. */
  readonly secondsFromStart: number;
  readonly workerPeakRssMb: number | null;
  readonly workerCrashed: boolean;
}

/** The bare worker (baselines/bullmq-axios-worker.ts) on the relay's one queue, once it runs. */
async function startBareWorker(workspace: Workspace, setup: RelaySetup): Promise<Child> {
  const destination = setup.config.sources[0]!.destinations[0]!;
  const child = forkChild(
    'bare worker',
    workspace.entry('baselines/bullmq-axios-worker.ts'),
    [
      setup.config.redis.url,
      PREFIX,
      setup.queues[0]!,
      destination.url,
      String(setup.config.worker.concurrency),
    ],
    { logFile: workspace.logFile('bare-worker') },
  );
  await child.message(
    (message) => ((message as { type?: string }).type === 'running' ? true : undefined),
    20_000,
    'running',
  );
  return child;
}

/**
 * A delivering worker process: hookrelay's (once its /readyz answers, on `port`: another worker of
 * the same relay) or the bare one.
 */
export async function startDeliveringWorker(
  workspace: Workspace,
  kind: WorkerKind,
  setup: RelaySetup,
  port = setup.workerPort,
): Promise<Child> {
  if (kind === 'bare') return startBareWorker(workspace, setup);
  const worker = startWorker(workspace, setup, port);
  try {
    await waitForHttp(worker, `http://127.0.0.1:${port}/readyz`);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

/** Starts a worker on the queued events and waits until the backend has `expected` deliveries. */
export async function drainWith(
  workspace: Workspace,
  kind: WorkerKind,
  setup: RelaySetup,
  backend: Backend,
  expected: number,
): Promise<Drained> {
  const startedAt = performance.timeOrigin + performance.now();
  const worker =
    kind === 'bare' ? await startBareWorker(workspace, setup) : startWorker(workspace, setup);
  try {
    const complete = await backend.waitFor(expected, 60_000 + expected * 10, [worker]);
    const workerPeakRssMb = worker.peakRssMb();
    const report = await backend.report();
    const span = (report.lastAt - report.firstAt) / 1000;
    return {
      complete,
      delivered: report.distinct,
      requests: report.requests,
      deliveriesPerSecond: span > 0 ? Math.round((report.distinct - 1) / span) : 0,
      secondsFromStart: +((report.lastAt - startedAt) / 1000).toFixed(2),
      workerPeakRssMb,
      workerCrashed: worker.crashed,
    };
  } finally {
    await worker.stop();
  }
}
