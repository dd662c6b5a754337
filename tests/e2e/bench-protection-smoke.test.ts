import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run bench:protection, short form', () => {
  it('measures a short outage, the unlimited throughput and the rate-limited run, and prints one JSON summary', () => {
    const result = spawnSync(
      'npm',
      [
        'run',
        'bench:protection',
        '-w',
        'bench',
        '--',
        ...['--outage', '2', '--events', '50', '--throughput-events', '100', '--rounds', '1'],
        ...['--limited-events', '40', '--limit', '20', '--breaker-cooldown', '500ms'],
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as {
      throughput: { medianEventsPerSecond: number; runs: { delivered: number }[] };
      rateLimited: { skipped?: string; delivered?: number; seconds?: number };
      outage: {
        requestsDuringOutage: number;
        afterRecovery: { delivered: number; dead: number; allSettled: boolean };
      };
    };
    // Speeds are reported, not asserted: this checks that each scenario ran to its end.
    expect(summary.throughput.runs[0]!.delivered).toBe(100);
    expect(summary.throughput.medianEventsPerSecond).toBeGreaterThan(0);
    expect(summary.outage.requestsDuringOutage).toBeGreaterThan(0);
    expect(summary.outage.afterRecovery).toEqual({
      delivered: 50,
      dead: 0,
      allSettled: true,
      secondsToSettle: expect.any(Number),
      requestsAfterRecovery: expect.any(Number),
    });
    if (summary.rateLimited.skipped === undefined) {
      expect(summary.rateLimited.delivered).toBe(40);
      // 40 events at 20 per second cannot all start within the first second.
      expect(summary.rateLimited.seconds).toBeGreaterThanOrEqual(1);
    }
  });
});
