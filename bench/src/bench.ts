/**
 * `npm run bench`: the complete performance benchmark, in one run, each server alone on the machine
 * in turn, every figure a median over rounds. One file per section in perf/:
 *   1. throughput  the ingress against a bare Express app and against Express + one Redis write
 *   2. drain       hookrelay's worker against a bare BullMQ + axios worker on the same jobs
 *   3. end-to-end  both pipelines at paced rates: latency from send to the backend, events lost
 *   4. memory      Redis bytes per event, queued and once delivered (retained)
 *   5. options     fan-out, orderBy and a rate limit, against one plain destination
 * Prints one table per section to stdout, progress to stderr, and writes every figure with the
 * machine and the command line to bench/results/latest.json (or --out). Exits 1 when an event was
 * lost, a non-2xx came where none should, or a process died (after printing what it measured).
 *   npm run bench                               (default: 3 rounds, 12-15 minutes on 2 cores)
 *   npm run bench -- --short                    (1 round, 1 s, 500 events, 100/s for 2 s)
 *   npm run bench -- --sections drain,memory --rounds 1 --events 5000
 * Options (defaults): --rounds 3, --duration 10 (s per throughput measurement), --warmup 1,
 * --events 20000, --option-events 5000, --option-duration 5, --rates 100,500,1000,
 * --e2e-duration 10, --connections 50, --sections throughput,drain,end-to-end,memory,options,
 * --short, --out bench/results/latest.json.
 * Needs the apps built (the root `npm run bench` builds them first) and redis-server on PATH.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadAverage, machineInfo } from './kit/machine.js';
import { killAll, killAllOnSignals } from './kit/processes.js';
import { progress } from './kit/progress.js';
import { buildStripeRequests } from './kit/stripe-requests.js';
import { Workspace } from './kit/workspace.js';
import { BenchRun, SECTION_NAMES, type BenchOptions, type SectionName } from './perf/context.js';
import { drainSection } from './perf/drain.js';
import { endToEndSection } from './perf/end-to-end.js';
import { memorySection } from './perf/memory.js';
import { optionsSection } from './perf/options.js';
import { throughputSection } from './perf/throughput.js';
import { namesOf, positive } from './kit/cli-options.js';
import { finishRun } from './kit/report.js';

const DEFAULT_OUT = fileURLToPath(new URL('../results/latest.json', import.meta.url));

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    events: { type: 'string' },
    'option-events': { type: 'string' },
    'option-duration': { type: 'string' },
    rates: { type: 'string' },
    'e2e-duration': { type: 'string' },
    connections: { type: 'string' },
    sections: { type: 'string' },
    short: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

function parseOptions(): BenchOptions {
  const short = values.short ?? false;
  const sections = namesOf('sections', values.sections, SECTION_NAMES);
  const events = Math.round(positive('events', values.events, short ? 500 : 20_000));
  const rates = (values.rates ?? (short ? '100' : '100,500,1000'))
    .split(',')
    .map((rate) => positive('rates', rate, 0));
  return {
    rounds: Math.round(positive('rounds', values.rounds, short ? 1 : 3)),
    duration: positive('duration', values.duration, short ? 1 : 10),
    warmup: positive('warmup', values.warmup, short ? 0.5 : 1),
    events,
    optionEvents: Math.round(
      positive('option-events', values['option-events'], Math.min(events, 5_000)),
    ),
    optionDuration: positive('option-duration', values['option-duration'], short ? 1 : 5),
    rates,
    e2eDuration: positive('e2e-duration', values['e2e-duration'], short ? 2 : 10),
    connections: Math.round(positive('connections', values.connections, 50)),
    sections: SECTION_NAMES.filter((name) => sections.includes(name)),
    short,
  };
}

const SECTIONS: Record<SectionName, (run: BenchRun) => Promise<{ text: string; json: unknown }>> = {
  throughput: throughputSection,
  drain: drainSection,
  'end-to-end': endToEndSection,
  memory: memorySection,
  options: optionsSection,
};

const options = parseOptions();
const out = resolve(values.out ?? DEFAULT_OUT);
const startedAt = new Date();
const workspace = Workspace.create();
killAllOnSignals(() => workspace.remove());
const run = new BenchRun(options, workspace);
const sample = buildStripeRequests(run.requestsFor(0), 0, 1);
const machine = machineInfo();
const sections: Record<string, unknown> = {};
let failure: string | undefined;
progress(
  `bench: ${options.sections.join(', ')}; ${options.rounds} round(s); ${machine.cpus} CPUs, ` +
    `load ${machine.loadAverageAtStart.join(' ')}, node ${machine.node}, redis ${machine.redis}; ` +
    `work in ${workspace.dir}`,
);
try {
  for (const name of options.sections) {
    const sectionStart = performance.now();
    progress(`— ${name} —`);
    const { text, json } = await SECTIONS[name](run);
    const seconds = Math.round((performance.now() - sectionStart) / 1000);
    sections[name] = { ...(json as object), seconds };
    process.stdout.write(`${text}\n`);
  }
} catch (error) {
  failure = (error as Error).stack ?? String(error);
  progress(`bench failed: ${failure}`);
} finally {
  killAll();
}

const report = {
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
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
  sections,
  problems: run.problems,
  failure,
};
finishRun(out, report, failure, workspace);
