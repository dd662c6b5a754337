/**
 * Append throughput with group commit, on this machine's disk (not part of npm test: a figure,
 * not a pass/fail). 10,000 records of 1 KB, 50 appends in flight at a time — as an ingress under
 * load would make them while Redis is away:
 *
 *   npx tsx packages/spool/scripts/measure-append-throughput.ts [records] [inFlight] [dir]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool } from '../src/index.js';

const [records = 10_000, inFlight = 50] = process.argv.slice(2, 4).map(Number);
const dir = mkdtempSync(join(process.argv[4] ?? tmpdir(), 'hookrelay-spool-bench-'));
const payload = Buffer.alloc(1024, 'x');

try {
  const spool = await Spool.open({ dir, maxBytes: 1024 * 1024 * 1024 });
  let next = 0;
  const started = performance.now();
  // `inFlight` callers, each appending again as soon as its last append resolved.
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < records) await spool.append(payload);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${records} appends of ${payload.length} bytes, ${inFlight} in flight: ` +
      `${seconds.toFixed(2)} s, ${Math.round(records / seconds)} appends/s ` +
      `(${spool.bytes} bytes in ${dir})`,
  );
  await spool.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
