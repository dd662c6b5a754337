import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface ServerFigures {
  rps: number;
  non2xx: number;
  peakRssMb: number;
}

interface DrainFigures {
  deliveriesPerSecond: number;
  workerPeakRssMb: number;
  lost: number;
}

interface RateFigures {
  sent: number;
  delivered: number;
  lost: number;
  refused: number;
}

/** The parts of bench/results/latest.json this test reads. */
interface Report {
  problems: string[];
  failure?: string;
  sections: {
    throughput: {
      sides: Record<string, ServerFigures>;
      ratios: Record<string, number>;
    };
    drain: {
      hookrelay: DrainFigures;
      bare: DrainFigures;
      ratios: { hookrelayVsBare: number };
    };
    'end-to-end': {
      byRate: { rate: number; hookrelay: RateFigures; bare: RateFigures }[];
    };
    memory: {
      events: number;
      bodyBytes: number;
      queued: { bytesPerEvent: number };
      delivered: { bytesPerEvent: number };
    };
    options: {
      configs: Record<string, { ingress: ServerFigures; drain: DrainFigures }>;
      ratios: Record<string, { ingress: number; drainEvents: number }>;
    };
  };
}

describe('npm run bench, short form', () => {
  // Speed is reported, never asserted: this checks that every side of every section answered every
  // request 2xx, lost no event, and produced figures.
  it('runs every section against the real processes, every side answering 2xx and losing nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-smoke-'));
    const out = join(dir, 'latest.json');
    try {
      const result = spawnSync(
        'npm',
        ['run', 'bench', '-w', 'bench', '--', '--short', '--out', out],
        {
          cwd: root,
          encoding: 'utf8',
          timeout: 280_000,
        },
      );
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
      const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
      expect(report.problems).toEqual([]);
      expect(report.failure).toBeUndefined();
      const { throughput, drain, memory, options } = report.sections;

      expect(Object.keys(throughput.sides).sort()).toEqual(
        ['bareExpress', 'durableFloor', 'durableFloorPipelined', 'ingress'].sort(),
      );
      for (const side of Object.values(throughput.sides)) {
        expect(side.rps).toBeGreaterThan(0);
        expect(side.non2xx).toBe(0);
        expect(side.peakRssMb).toBeGreaterThan(0);
      }
      for (const value of Object.values(throughput.ratios)) expect(value).toBeGreaterThan(0);

      for (const side of [drain.hookrelay, drain.bare]) {
        expect(side.deliveriesPerSecond).toBeGreaterThan(0);
        expect(side.workerPeakRssMb).toBeGreaterThan(0);
        expect(side.lost).toBe(0);
      }
      expect(drain.ratios.hookrelayVsBare).toBeGreaterThan(0);

      const endToEnd = report.sections['end-to-end'];
      expect(endToEnd.byRate.map(({ rate }) => rate)).toEqual([100]);
      for (const { hookrelay, bare } of endToEnd.byRate)
        for (const side of [hookrelay, bare]) {
          expect(side.sent).toBeGreaterThan(0);
          expect(side.refused).toBe(0);
          expect(side.lost).toBe(0);
          expect(side.delivered).toBe(side.sent);
        }

      expect(memory.events).toBe(500);
      expect(memory.queued.bytesPerEvent).toBeGreaterThan(memory.bodyBytes);
      expect(memory.delivered.bytesPerEvent).toBeGreaterThan(memory.bodyBytes);

      expect(Object.keys(options.configs).sort()).toEqual(
        ['fanOut', 'orderBy', 'rateLimit', 'reference'].sort(),
      );
      for (const config of Object.values(options.configs)) {
        expect(config.ingress.rps).toBeGreaterThan(0);
        expect(config.ingress.non2xx).toBe(0);
        expect(config.drain.deliveriesPerSecond).toBeGreaterThan(0);
        expect(config.drain.lost).toBe(0);
      }
      for (const { ingress, drainEvents } of Object.values(options.ratios)) {
        expect(ingress).toBeGreaterThan(0);
        expect(drainEvents).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
