import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

type SideName = 'unordered' | 'manyKeys' | 'oneKey';
const SIDES: SideName[] = ['unordered', 'manyKeys', 'oneKey'];

interface Summary {
  events: number;
  keys: number;
  rounds: number;
  enqueue: Record<SideName, { eventsPerSecond: number; ratio?: number }>;
  deliver: Record<
    SideName,
    {
      eventsPerSecond: number;
      ratio?: number;
      redisCommandsPerEvent: number;
      handoffMs?: { p50: number; p99: number } | null;
    }
  >;
  orderViolations: number;
  runs: { side: SideName; accepted: number; delivered: number; violations: number }[];
}

describe('npm run bench:ordering, short form', () => {
  it('delivers the same events unordered, over many keys and over one key, in order, and prints one JSON summary', () => {
    const result = spawnSync(
      'npm',
      ['run', 'bench:ordering', '-w', 'bench', '--', '--events', '300', '--rounds', '1'],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as Summary;
    expect(summary).toMatchObject({ events: 300, keys: 100, rounds: 1, orderViolations: 0 });

    // Every event accepted and delivered on every side, and each key's events in its order.
    expect(
      summary.runs.map((run) => [run.side, run.accepted, run.delivered, run.violations]).sort(),
    ).toEqual([
      ['manyKeys', 300, 300, 0],
      ['oneKey', 300, 300, 0],
      ['unordered', 300, 300, 0],
    ]);

    // Speeds are reported, not asserted: they only have to be there.
    for (const side of SIDES) {
      expect(summary.enqueue[side].eventsPerSecond).toBeGreaterThan(0);
      expect(summary.deliver[side].eventsPerSecond).toBeGreaterThan(0);
      expect(summary.deliver[side].redisCommandsPerEvent).toBeGreaterThan(0);
    }
    for (const side of ['manyKeys', 'oneKey'] as const) {
      expect(summary.enqueue[side].ratio).toBeGreaterThan(0);
      expect(summary.deliver[side].ratio).toBeGreaterThan(0);
      expect(summary.deliver[side].handoffMs?.p50).toBeGreaterThanOrEqual(0);
    }
  }, 120_000);
});
