import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Side {
  rps: number;
  non2xx: number;
  rssMb: number;
}

describe('npm run bench, short form', () => {
  it('drives the bare Express baseline and the ingress with the same signed requests and reports the ratio', () => {
    const result = spawnSync(
      'npm',
      ['run', 'bench', '-w', 'bench', '--', '--duration', '1', '--rounds', '1'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as {
      rounds: { bareExpress: Side; ingress: Side; throughputRatio: number }[];
    };
    const [round] = report.rounds;
    // Speed is reported, not asserted: this only checks that both sides answered every request with a 2xx.
    for (const side of [round!.bareExpress, round!.ingress]) {
      expect(side.rps).toBeGreaterThan(0);
      expect(side.non2xx).toBe(0);
      expect(side.rssMb).toBeGreaterThan(0);
    }
    expect(round!.throughputRatio).toBeGreaterThan(0);
  });
});
