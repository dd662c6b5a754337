/**
 * What every section of `npm run bench` (bench/src/bench.ts) is given: the options, the run's
 * workspace, and where it reports a problem (an event lost, a refusal where none should be, a
 * process that died): any problem makes the run exit 1. Not run on its own.
 */
import { progress } from '../kit/progress.js';
import { newRunTag, type StripeRequestSpec } from '../kit/stripe-requests.js';
import { SOURCE_PATH, STRIPE_SECRET } from '../kit/hookrelay-apps.js';
import type { Workspace } from '../kit/workspace.js';

export const SECTION_NAMES = ['throughput', 'drain', 'end-to-end', 'memory', 'options'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export interface BenchOptions {
  readonly rounds: number;
  /** Seconds of each throughput measurement, after `warmup`. */
  readonly duration: number;
  readonly warmup: number;
  /** Events of each drain (and of the memory run). */
  readonly events: number;
  /** Events of each drain of the options section. */
  readonly optionEvents: number;
  /** Seconds of each throughput measurement of the options section, after `warmup`. */
  readonly optionDuration: number;
  /** Paced rates of the end-to-end section, req/s. */
  readonly rates: readonly number[];
  /** Seconds of each paced end-to-end measurement, after `warmup`. */
  readonly e2eDuration: number;
  /** Closed-loop connections. */
  readonly connections: number;
  readonly sections: readonly SectionName[];
  readonly short: boolean;
}

/** Distinct `data.object.customer` values in every request: the keys of the orderBy option. */
export const CUSTOMERS = 100;

/** A run of `npm run bench` (or, with its own options, of another bench built on the same kit). */
export class BenchRun<Options = BenchOptions> {
  readonly problems: string[] = [];

  constructor(
    readonly options: Options,
    readonly workspace: Workspace,
  ) {}

  /** Records something that makes the run fail, and says it at once. */
  problem(text: string): void {
    this.problems.push(text);
    progress(`PROBLEM: ${text}`);
  }

  /** Fresh requests for a server on `port`: a new run tag, so no event id repeats another run's. */
  requestsFor(port: number): StripeRequestSpec {
    return {
      secret: STRIPE_SECRET,
      host: `127.0.0.1:${port}`,
      path: SOURCE_PATH,
      tag: newRunTag(),
      customers: CUSTOMERS,
    };
  }
}

/** `items` rotated by `round`, so no side always runs first (or right after the same one). */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * Each variant measured once a round, `rounds` rounds, in an order rotated each round (see
 * `rotated`), one after the other; each variant's summary of its runs.
 */
export async function acrossRounds<V extends PropertyKey, R, S>(
  rounds: number,
  variants: readonly V[],
  measure: (variant: V, round: number) => Promise<R>,
  summarise: (runs: R[]) => S,
): Promise<Record<V, S>> {
  const runs = new Map<V, R[]>(variants.map((variant) => [variant, []]));
  for (let round = 0; round < rounds; round++)
    for (const variant of rotated(variants, round))
      runs.get(variant)!.push(await measure(variant, round));
  return Object.fromEntries(
    variants.map((variant) => [variant, summarise(runs.get(variant)!)]),
  ) as Record<V, S>;
}
