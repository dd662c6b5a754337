import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Sample {
  t: number;
  phase: string;
  ingressRssMB: number | null;
  workerRssMB: number | null;
  redisUsedMemory: number;
  redisKeys: number;
  acknowledged: number;
  delivered: number;
}

interface Summary {
  events: number;
  acknowledged: number;
  delivered: number;
  notDelivered: number;
  deliveredNotAcknowledged: number;
  samples: Sample[];
  steady: { series: Record<string, { slope: number | null; flat: boolean | null }> };
  bytesPerRetainedEvent: { method: string };
  exitedOnTheirOwn: string[];
}

describe('npm run soak, short form', () => {
  it('runs the built ingress and worker at a steady rate, samples them and prints one JSON summary', () => {
    const result = spawnSync(
      'npm',
      [
        'run',
        'soak',
        '-w',
        'bench',
        '--',
        ...['--events', '3000', '--rate', '300', '--retention', '5s', '--sample', '1'],
      ],
      { cwd: root, encoding: 'utf8', timeout: 90_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as Summary;

    // Every acknowledged event reached the backend, and neither app died on the way. A 503 (Redis
    // slower than enqueueTimeout on a busy machine) whose write landed anyway is delivered too.
    expect(summary.events).toBe(3000);
    expect(summary.acknowledged).toBe(3000);
    expect(summary.notDelivered).toBe(0);
    expect(summary.delivered).toBe(3000 + summary.deliveredNotAcknowledged);
    expect(summary.exitedOnTheirOwn).toEqual([]);

    // Samples were taken through the run; the memory figures are reported, never asserted.
    expect(summary.samples.length).toBeGreaterThanOrEqual(5);
    for (const sample of summary.samples) {
      expect(sample).toMatchObject({
        t: expect.any(Number),
        redisUsedMemory: expect.any(Number),
        redisKeys: expect.any(Number),
      });
      expect(sample.ingressRssMB).toEqual(expect.any(Number));
      expect(sample.workerRssMB).toEqual(expect.any(Number));
    }
    const last = summary.samples.at(-1)!;
    expect(last).toMatchObject({ phase: 'end', acknowledged: 3000, delivered: summary.delivered });
    expect(Object.keys(summary.steady.series)).toEqual(
      expect.arrayContaining(['ingressRssMB', 'workerRssMB', 'redisUsedMemory']),
    );
    expect(summary.bytesPerRetainedEvent.method).toEqual(expect.any(String));
  }, 90_000);
});
