import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface IngressCell {
  rps: number;
  non2xx: number;
  repeated: number;
  perProcess: { rps: number | null; cpuPercent: number | null }[];
}

interface DeliveryCell {
  deliveriesPerSecond: number;
  intakePerSecond: number | null;
  delivered: number;
  lost: number;
  perProcess: { perSecond: number | null }[];
  runs: { accepted: number; delivered: number; lost: number }[];
}

interface ReplicaCell {
  closed: { rps: number; non2xx: number };
  paced: { ackP50Ms: number | null; non2xx: number };
  replicaMissing: number;
  runs: { waitCalls: number; replicaCaughtUp: boolean; primaryInbox: number }[];
}

/** The parts of bench/results/scale.json this test reads. */
interface Report {
  command: string;
  machine: { cpus: number };
  options: { events: number; rounds: number };
  problems: string[];
  failure?: string;
  note: string;
  parts: {
    ingress: { byProcesses: Record<string, IngressCell> };
    delivery: { byProcesses: Record<string, DeliveryCell> };
    replicas: { byWaitForReplicas: Record<string, ReplicaCell> };
  };
}

describe('npm run bench:scale, short form', () => {
  // Speed is reported, never asserted: this checks that every cell ran against the real processes,
  // nothing was refused or lost, and the JSON has every cell.
  it('runs 1 and 2 ingresses, 1 and 3 workers, waitForReplicas 0 and 1, losing nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-scale-smoke-'));
    const out = join(dir, 'scale.json');
    try {
      const result = spawnSync(
        'npm',
        ['run', 'bench:scale', '-w', 'bench', '--', '--short', '--out', out],
        { cwd: root, encoding: 'utf8', timeout: 170_000 },
      );
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
      const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
      expect(report.problems).toEqual([]);
      expect(report.failure).toBeUndefined();
      expect(report.command).toContain('--short');
      expect(report.machine.cpus).toBeGreaterThan(0);
      // The tables and the paragraph on what a machine of these cores can show.
      expect(result.stdout).toContain('1. Ingress');
      expect(result.stdout).toContain('2. Delivery');
      expect(result.stdout).toContain('3. redis.waitForReplicas');
      expect(report.note).toContain('What this can show');

      const { ingress, delivery, replicas } = report.parts;
      expect(Object.keys(ingress.byProcesses).sort()).toEqual(['1', '2']);
      for (const [count, cell] of Object.entries(ingress.byProcesses)) {
        expect(cell.perProcess, `${count} ingress(es)`).toHaveLength(Number(count));
        expect(cell.rps).toBeGreaterThan(0);
        expect(cell.non2xx).toBe(0);
        expect(cell.repeated).toBe(0);
        // Every ingress process took its share of the connections.
        for (const process of cell.perProcess) expect(process.rps).toBeGreaterThan(0);
      }

      expect(Object.keys(delivery.byProcesses).sort()).toEqual(['1', '3']);
      for (const [count, cell] of Object.entries(delivery.byProcesses)) {
        expect(cell.perProcess, `${count} worker(s)`).toHaveLength(Number(count));
        expect(cell.lost).toBe(0);
        expect(cell.runs).toHaveLength(report.options.rounds);
        for (const run of cell.runs) {
          expect(run.accepted).toBe(report.options.events);
          expect(run.delivered).toBe(report.options.events);
          expect(run.lost).toBe(0);
        }
        expect(cell.deliveriesPerSecond).toBeGreaterThan(0);
        expect(cell.intakePerSecond).toBeGreaterThan(0);
      }

      expect(Object.keys(replicas.byWaitForReplicas).sort()).toEqual(['0', '1']);
      for (const [waitFor, cell] of Object.entries(replicas.byWaitForReplicas)) {
        expect(cell.closed.rps, `waitForReplicas ${waitFor}`).toBeGreaterThan(0);
        expect(cell.closed.non2xx).toBe(0);
        expect(cell.paced.non2xx).toBe(0);
        expect(cell.paced.ackP50Ms).toBeGreaterThan(0);
        // Every acknowledged event reached the replica.
        expect(cell.replicaMissing).toBe(0);
        for (const run of cell.runs) {
          expect(run.replicaCaughtUp).toBe(true);
          expect(run.primaryInbox).toBeGreaterThan(0);
          if (waitFor === '1') expect(run.waitCalls).toBeGreaterThan(0);
          else expect(run.waitCalls).toBe(0);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
