/**
 * What `npm run bench:scale` (bench/src/scale.ts) gives each of its parts: the options, and the
 * run (workspace, problems: kit's BenchRun with these options). Not run on its own.
 */
import type { BenchRun } from './context.js';

export const SCALE_PARTS = ['ingress', 'delivery', 'replicas'] as const;
export type ScalePart = (typeof SCALE_PARTS)[number];

export interface ScaleOptions {
  readonly rounds: number;
  /** Seconds of each closed-loop measurement, after `warmup`. */
  readonly duration: number;
  readonly warmup: number;
  /** Closed-loop connections in all, spread over the ingress processes. */
  readonly connections: number;
  /** Events each delivery drain queues, then delivers. */
  readonly events: number;
  /** The paced rate of the replicas part, req/s. */
  readonly rate: number;
  /** Seconds of each paced measurement, after `warmup`. */
  readonly pacedDuration: number;
  readonly parts: readonly ScalePart[];
  readonly short: boolean;
}

export type ScaleRun = BenchRun<ScaleOptions>;

/** Each process's figure joined for a table cell: `2,810 + 2,790`. */
export const perProcessCell = (values: readonly (string | number)[]) => values.join(' + ');
