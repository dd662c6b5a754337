import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_PAYLOAD_BYTES, SpoolClosedError, SpoolFullError } from '../src/index.js';
import { appendAll, payload, payloadsOf, segmentFiles, useSpoolDirectory } from './helpers.js';

const spools = useSpoolDirectory();
const RECORD_BYTES = 112; // a 100-byte payload and its 12-byte header

afterEach(() => vi.restoreAllMocks());

describe('a spool', () => {
  it('gives back what was appended, in order and byte for byte, after a reopen', async () => {
    const payloads = [payload(0), Buffer.alloc(0), Buffer.from([0, 255, 10, 13]), payload(3, 5000)];
    const first = await spools.open();
    for (const each of payloads) await first.append(each);
    expect(first.pending).toBe(4);
    await first.close();

    const second = await spools.open();
    expect(second.pending).toBe(4);
    expect(second.bytes).toBe(payloads.reduce((sum, each) => sum + 12 + each.length, 0));
    const records = await second.peek(10);
    expect(records.map((record) => record.payload)).toEqual(payloads);
  });

  it('peeks without removing: the same records until they are released; [] when empty', async () => {
    const spool = await spools.open();
    expect(await spool.peek(10)).toEqual([]);
    await appendAll(spool, [payload(0), payload(1), payload(2)]);
    expect(await payloadsOf(spool, 2)).toEqual([payload(0), payload(1)].map(String));
    expect(await payloadsOf(spool, 2)).toEqual([payload(0), payload(1)].map(String));
    expect(await spool.peek(0)).toEqual([]);
    const [, second] = await spool.peek(2);
    await spool.release(second!);
    expect(spool.pending).toBe(1);
    expect(await payloadsOf(spool)).toEqual([String(payload(2))]);
  });

  it('keeps append order under concurrent appends, with one write and sync per group', async () => {
    const spool = await spools.open();
    // Appends made in the same turn go together: spy on the FileHandle class's datasync.
    const probe = await open(join(spools.dir(), 'probe'), 'w');
    const datasync = vi.spyOn(
      Object.getPrototypeOf(probe) as { datasync(): Promise<void> },
      'datasync',
    );
    const write = vi.spyOn(Object.getPrototypeOf(probe) as { write(): Promise<unknown> }, 'write');
    await probe.close();

    await appendAll(
      spool,
      Array.from({ length: 100 }, (_, index) => payload(index)),
    );
    expect(datasync).toHaveBeenCalledTimes(1);
    expect(write).toHaveBeenCalledTimes(1);

    // Appends arriving in later turns while a sync is in flight join the next group, in order.
    const appends: Promise<void>[] = [];
    for (let index = 100; index < 400; index++) {
      appends.push(spool.append(payload(index)));
      if (index % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(appends);
    expect(datasync.mock.calls.length).toBeLessThan(1 + 300);
    expect(await payloadsOf(spool)).toEqual(
      Array.from({ length: 400 }, (_, index) => String(payload(index))),
    );
  });

  it('resolves each append only once its record is on disk', async () => {
    const spool = await spools.open();
    await spool.append(payload(0));
    const [segment] = segmentFiles(spools.dir());
    expect(statSync(join(spools.dir(), segment!)).size).toBe(RECORD_BYTES);
  });

  it('rotates segments and deletes each one once all its records are released', async () => {
    const spool = await spools.open({ segmentBytes: 10 * RECORD_BYTES });
    const dir = spools.dir();
    await appendAll(
      spool,
      Array.from({ length: 35 }, (_, index) => payload(index)),
    );
    expect(segmentFiles(dir)).toEqual([
      'segment-0000000000000001.spool',
      'segment-0000000000000002.spool',
      'segment-0000000000000003.spool',
      'segment-0000000000000004.spool',
    ]);
    expect(segmentFiles(dir).map((name) => statSync(join(dir, name)).size)).toEqual([
      1120, 1120, 1120, 560,
    ]);
    expect(spool.bytes).toBe(35 * RECORD_BYTES);

    // Records 0–14: the first segment goes, the second stays (half released).
    const firstFifteen = await spool.peek(15);
    await spool.release(firstFifteen.at(-1)!);
    expect(segmentFiles(dir)).toEqual([
      'segment-0000000000000002.spool',
      'segment-0000000000000003.spool',
      'segment-0000000000000004.spool',
    ]);
    expect(spool.pending).toBe(20);
    expect(spool.bytes).toBe(25 * RECORD_BYTES);
    expect((await payloadsOf(spool, 1))[0]).toBe(String(payload(15)));

    // All of it, the segment being written to included: the next append starts a new one.
    const rest = await spool.peek(100);
    await spool.release(rest.at(-1)!);
    expect(segmentFiles(dir)).toEqual([]);
    expect(spool.pending).toBe(0);
    expect(spool.bytes).toBe(0);
    await spool.append(payload(35));
    expect(segmentFiles(dir)).toEqual(['segment-0000000000000005.spool']);
    expect(await payloadsOf(spool)).toEqual([String(payload(35))]);
  });

  it('gives back every unreleased record after a release partway and a reopen', async () => {
    const all = Array.from({ length: 35 }, (_, index) => String(payload(index)));
    const first = await spools.open({ segmentBytes: 10 * RECORD_BYTES });
    await appendAll(
      first,
      all.map((each) => Buffer.from(each)),
    );
    await first.release((await first.peek(15)).at(-1)!);
    await first.close();

    const second = await spools.open({ segmentBytes: 10 * RECORD_BYTES });
    const back = await payloadsOf(second);
    // Never fewer: 15–34 at least. The half-released segment comes back whole (10–14 again).
    expect(back).toEqual(all.slice(all.length - back.length));
    expect(back.length).toBeGreaterThanOrEqual(20);
    expect(back).toEqual(all.slice(10));
    // Appends after a reopen go to a new segment, after the ones found.
    await second.append(payload(35));
    expect(segmentFiles(spools.dir()).at(-1)).toBe('segment-0000000000000005.spool');
    expect((await payloadsOf(second)).at(-1)).toBe(String(payload(35)));
  });

  it('hands a drainer every record once, in order, while appends go on', async () => {
    // Small segments: the one being written to is often released whole while appends arrive.
    const spool = await spools.open({ segmentBytes: 3 * RECORD_BYTES });
    const drained: string[] = [];
    let appending = true;
    const drainer = (async () => {
      while (appending || spool.pending > 0) {
        const records = await spool.peek(7);
        if (records.length === 0) await new Promise((resolve) => setImmediate(resolve));
        else {
          drained.push(...records.map((record) => record.payload.toString()));
          await spool.release(records.at(-1)!);
        }
      }
    })();
    const appends: Promise<void>[] = [];
    for (let index = 0; index < 500; index++) {
      appends.push(spool.append(payload(index)));
      if (index % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(appends);
    appending = false;
    await drainer;
    expect(drained).toEqual(Array.from({ length: 500 }, (_, index) => String(payload(index))));
    expect(segmentFiles(spools.dir())).toEqual([]);
    expect(spool.bytes).toBe(0);
  });

  it('refuses appends past maxBytes without writing, and takes them again after a release', async () => {
    const spool = await spools.open({
      maxBytes: 10 * RECORD_BYTES,
      segmentBytes: 5 * RECORD_BYTES,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) => spool.append(payload(index))),
    );
    expect(results.map((result) => result.status)).toEqual([
      ...Array<string>(10).fill('fulfilled'),
      'rejected',
      'rejected',
    ]);
    expect((results[10] as PromiseRejectedResult).reason).toBeInstanceOf(SpoolFullError);
    await expect(spool.append(payload(99))).rejects.toThrow(SpoolFullError);
    expect(spool.bytes).toBe(10 * RECORD_BYTES);
    expect(spool.pending).toBe(10);

    await spool.release((await spool.peek(5)).at(-1)!); // the first segment is deleted
    expect(spool.bytes).toBe(5 * RECORD_BYTES);
    for (let index = 10; index < 15; index++) await spool.append(payload(index));
    await expect(spool.append(payload(15))).rejects.toThrow(SpoolFullError);
    expect(await payloadsOf(spool)).toEqual(
      Array.from({ length: 10 }, (_, index) => String(payload(index + 5))),
    );
  });

  it('refuses a payload over MAX_PAYLOAD_BYTES', async () => {
    const spool = await spools.open({ maxBytes: 2 * MAX_PAYLOAD_BYTES });
    await expect(spool.append(Buffer.alloc(MAX_PAYLOAD_BYTES + 1))).rejects.toThrow(RangeError);
    expect(spool.pending).toBe(0);
  });

  it('releases only records of its own peek, and a record already released is a no-op', async () => {
    const spool = await spools.open();
    await appendAll(spool, [payload(0), payload(1)]);
    await expect(spool.release({ payload: payload(0) })).rejects.toThrow(TypeError);
    const [first] = await spool.peek(1);
    await spool.release(first!);
    await spool.release(first!);
    expect(spool.pending).toBe(1);
  });

  it('waits for appends in flight on close, removes the LOCK, and opens again', async () => {
    const first = await spools.open();
    const appends = [first.append(payload(0)), first.append(payload(1))];
    await first.close();
    await Promise.all(appends);
    expect(segmentFiles(spools.dir())).toHaveLength(1);
    expect(() => statSync(join(spools.dir(), 'LOCK'))).toThrow();
    await expect(first.append(payload(2))).rejects.toThrow(SpoolClosedError);

    const second = await spools.open();
    expect(await payloadsOf(second)).toEqual([payload(0), payload(1)].map(String));
  });

  it('creates its directory, private to its user', async () => {
    const dir = join(spools.dir(), 'nested', 'spool');
    const spool = await spools.open({ dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await spool.close();
  });
});
