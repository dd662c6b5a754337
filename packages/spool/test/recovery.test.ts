import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { CorruptRecord } from '../src/index.js';
import { appendAll, payload, payloadsOf, segmentFiles, useSpoolDirectory } from './helpers.js';

const spools = useSpoolDirectory();
const RECORD_BYTES = 112; // a 100-byte payload and its 12-byte header
const FIRST_SEGMENT = 'segment-0000000000000001.spool';

/** A closed spool of `count` records (in segments of `segmentBytes`); its first segment's path. */
async function spoolOf(count: number, segmentBytes?: number): Promise<string> {
  const spool = await spools.open({ segmentBytes });
  await appendAll(
    spool,
    Array.from({ length: count }, (_, index) => payload(index)),
  );
  await spool.close();
  return join(spools.dir(), FIRST_SEGMENT);
}

async function reopen() {
  const corrupt: CorruptRecord[] = [];
  const onCorrupt = vi.fn((found: CorruptRecord) => void corrupt.push(found));
  const spool = await spools.open({ onCorrupt });
  return { spool, corrupt, onCorrupt };
}

const firstRecords = (count: number) =>
  Array.from({ length: count }, (_, index) => String(payload(index)));

describe('opening a spool after a crash or a bad disk', () => {
  it('keeps the records before a torn tail cut mid-payload, and says where it is', async () => {
    const segment = await spoolOf(5);
    truncateSync(segment, 3 * RECORD_BYTES + 12 + 40);
    const { spool, corrupt } = await reopen();
    expect(await payloadsOf(spool)).toEqual(firstRecords(3));
    expect(corrupt).toEqual([
      {
        segment: FIRST_SEGMENT,
        offset: 3 * RECORD_BYTES,
        reason: expect.stringContaining('torn tail') as string,
        bytesSkipped: 12 + 40,
      },
    ]);
    // The torn file is counted until it is released, and never appended to again.
    expect(spool.bytes).toBe(3 * RECORD_BYTES + 12 + 40);
    await spool.append(payload(99));
    expect(statSync(segment).size).toBe(3 * RECORD_BYTES + 12 + 40);
    expect(segmentFiles(spools.dir())).toEqual([FIRST_SEGMENT, 'segment-0000000000000002.spool']);
    expect(await payloadsOf(spool)).toEqual([...firstRecords(3), String(payload(99))]);
  });

  it('keeps the records before a torn tail cut mid-header', async () => {
    const segment = await spoolOf(5);
    truncateSync(segment, 4 * RECORD_BYTES + 5);
    const { spool, corrupt } = await reopen();
    expect(await payloadsOf(spool)).toEqual(firstRecords(4));
    expect(corrupt).toMatchObject([
      { segment: FIRST_SEGMENT, offset: 4 * RECORD_BYTES, bytesSkipped: 5 },
    ]);
    expect(corrupt[0]!.reason).toMatch(/torn tail: header/);
  });

  it('keeps the records before a flipped byte, and blames the checksum', async () => {
    const segment = await spoolOf(5);
    const bytes = readFileSync(segment);
    bytes[2 * RECORD_BYTES + 12 + 50]! ^= 0x01;
    writeFileSync(segment, bytes);
    const { spool, corrupt, onCorrupt } = await reopen();
    expect(await payloadsOf(spool)).toEqual(firstRecords(2));
    expect(onCorrupt).toHaveBeenCalledTimes(1);
    expect(corrupt[0]).toMatchObject({
      segment: FIRST_SEGMENT,
      offset: 2 * RECORD_BYTES,
      bytesSkipped: 3 * RECORD_BYTES,
    });
    expect(corrupt[0]!.reason).toMatch(/checksum/);
  });

  it('stops at zeros where a record should start (bad magic)', async () => {
    const segment = await spoolOf(2);
    writeFileSync(segment, Buffer.alloc(64), { flag: 'a' });
    const { spool, corrupt } = await reopen();
    expect(await payloadsOf(spool)).toEqual(firstRecords(2));
    expect(corrupt[0]).toMatchObject({ offset: 2 * RECORD_BYTES, bytesSkipped: 64 });
    expect(corrupt[0]!.reason).toMatch(/bad magic/);
  });

  it('skips only the rest of the damaged segment: later segments are read', async () => {
    await spoolOf(15, 5 * RECORD_BYTES); // three segments of five
    truncateSync(join(spools.dir(), 'segment-0000000000000002.spool'), 2 * RECORD_BYTES + 3);
    const { spool, corrupt } = await reopen();
    expect(await payloadsOf(spool)).toEqual([...firstRecords(7), ...firstRecords(15).slice(10)]);
    expect(corrupt).toMatchObject([
      { segment: 'segment-0000000000000002.spool', offset: 2 * RECORD_BYTES },
    ]);
  });

  it('deletes a segment with no valid record (an empty file, or bad from its start)', async () => {
    await spoolOf(10, 5 * RECORD_BYTES);
    const dir = spools.dir();
    truncateSync(join(dir, FIRST_SEGMENT), 0);
    const second = join(dir, 'segment-0000000000000002.spool');
    const bytes = readFileSync(second);
    bytes[0] = 0;
    writeFileSync(second, bytes);
    const { spool, corrupt } = await reopen();
    expect(spool.pending).toBe(0);
    expect(corrupt).toMatchObject([{ segment: 'segment-0000000000000002.spool', offset: 0 }]);
    expect(segmentFiles(dir)).toEqual([]);
    // Numbering goes on after the files that were there.
    await spool.append(payload(0));
    expect(segmentFiles(dir)).toEqual(['segment-0000000000000003.spool']);
  });
});
