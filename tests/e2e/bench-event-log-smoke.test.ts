import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Throughput {
  eventsPerSecond: number;
}

interface Summary {
  events: number;
  rounds: number;
  redisBytesPerEvent: {
    off: number;
    on: number;
    added: number;
    breakdown: { oneEvent: { on: { jobHash: number; eventRecord: number } } };
    afterDelivery: {
      delivered: { off: number; on: number };
      off: number;
      on: number;
      breakdown: { oneEvent: { on: { feedStream: number; feedEntries: number } } };
    };
  };
  ingress: {
    off: Throughput & { p50Ms: number; p99Ms: number };
    on: Throughput & { p50Ms: number; p99Ms: number };
    throughputRatio: number;
  };
  worker: {
    off: Throughput;
    on: Throughput;
    throughputRatio: number;
    runs: { side: 'off' | 'on'; delivered: number }[];
  };
}

describe('npm run bench:event-log, short form', () => {
  it('measures Redis bytes, enqueue and delivery with the event log on and off, and prints one JSON summary', () => {
    const result = spawnSync(
      'npm',
      ['run', 'bench:event-log', '-w', 'bench', '--', '--events', '200', '--rounds', '1'],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as Summary;
    expect(summary).toMatchObject({ events: 200, rounds: 1 });

    // Every event delivered on both sides, in the memory measure and in the timed worker runs.
    const memory = summary.redisBytesPerEvent;
    expect(memory.afterDelivery.delivered).toEqual({ off: 200, on: 200 });
    expect(summary.worker.runs.map((run) => [run.side, run.delivered]).sort()).toEqual([
      ['off', 200],
      ['on', 200],
    ]);

    // Sizes and speeds are reported, not asserted: they only have to be there.
    for (const bytes of [memory.off, memory.on, memory.afterDelivery.off, memory.afterDelivery.on])
      expect(bytes).toBeGreaterThan(0);
    expect(memory.breakdown.oneEvent.on.jobHash).toBeGreaterThan(0);
    expect(memory.breakdown.oneEvent.on.eventRecord).toBeGreaterThan(0);
    expect(memory.afterDelivery.breakdown.oneEvent.on.feedEntries).toBe(200);
    expect(memory.afterDelivery.breakdown.oneEvent.on.feedStream).toBeGreaterThan(0);
    for (const side of [summary.ingress.off, summary.ingress.on]) {
      expect(side.eventsPerSecond).toBeGreaterThan(0);
      expect(side.p50Ms).toBeGreaterThan(0);
      expect(side.p99Ms).toBeGreaterThanOrEqual(side.p50Ms);
    }
    expect(summary.ingress.throughputRatio).toBeGreaterThan(0);
    for (const side of [summary.worker.off, summary.worker.on])
      expect(side.eventsPerSecond).toBeGreaterThan(0);
    expect(summary.worker.throughputRatio).toBeGreaterThan(0);
  }, 120_000);
});
