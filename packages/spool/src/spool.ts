import { resolve } from 'node:path';
import { createSpoolDirectory, syncDirectory } from './directory.js';
import { SpoolClosedError, SpoolFullError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { acquireLock, type SpoolLock } from './lock.js';
import type { PendingRecords, RecordPosition } from './pending-records.js';
import {
  checksumMatches,
  decodeHeader,
  encodeRecord,
  HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
} from './record.js';
import { recoverSpool } from './recover.js';
import { Segment } from './segment.js';
import type { CorruptRecord } from './segment-scan.js';

export interface SpoolOptions {
  /** Created if missing (mode 0o700). One process at a time: see lock.ts. */
  readonly dir: string;
  /** Appends that would take the spool's bytes on disk above this fail with SpoolFullError. */
  readonly maxBytes: number;
  /**
   * Rotate to a new segment file once the current one reaches this (a record that would take it
   * past this starts the next one; a single larger record gets a segment of its own); default
   * min(64 MiB, max(64 KiB, maxBytes / 8)). Disk space comes back a whole segment at a time.
   */
  readonly segmentBytes?: number;
  /** Told of each corrupt or torn record found when opening (the rest of that segment is skipped). */
  readonly onCorrupt?: (corrupt: CorruptRecord) => void;
}

/** A record from peek(): its payload, and (hidden) where it is, for release(). */
export interface SpoolRecord {
  readonly payload: Buffer;
}

export const defaultSegmentBytes = (maxBytes: number): number =>
  Math.floor(Math.min(64 * 1024 * 1024, Math.max(64 * 1024, maxBytes / 8)));

/** One read() for a run of neighbouring records in peek(), up to this size. */
const PEEK_READ_BYTES = 8 * 1024 * 1024;

/**
 * The ingress's durable local spool, for while Redis is unreachable: append() an event (an opaque
 * payload), answer 202 once it resolves; a drainer peek()s the oldest records, moves them into
 * Redis in order and release()s them.
 *
 * On disk: segment files in `dir` (record format in record.ts), written in order, one at a time,
 * each deleted once all its records are released. The order of records is the order of append()
 * calls, across segments and across restarts.
 */
export class Spool {
  /** The position behind each record peek() returned: callers see only the payload. */
  private readonly positions = new WeakMap<SpoolRecord, RecordPosition>();
  /** The segment appends go to; a new one after open, after rotation, or after its deletion. */
  private active: Segment | undefined;
  /** A write (or the creation of a segment for it) is in flight: the active segment must stay. */
  private committing = false;
  /** Bytes of appends accepted but not yet on disk: counted against maxBytes already. */
  private inFlightBytes = 0;
  private readonly writer = new GroupCommit<Buffer>({
    batchSize: (queued) => this.batchSize(queued),
    commit: (batch) => this.commit(batch),
  });
  /** peek, release and deletions, one at a time: a segment is never deleted under a read. */
  private exclusiveTail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly segmentBytes: number,
    private readonly lock: SpoolLock,
    /** Oldest first: every segment file on disk. */
    private segments: Segment[],
    private readonly pendingRecords: PendingRecords,
    private nextSegmentSequence: number,
  ) {}

  static async open(options: SpoolOptions): Promise<Spool> {
    const { maxBytes } = options;
    const segmentBytes = options.segmentBytes ?? defaultSegmentBytes(maxBytes);
    if (!(maxBytes > 0)) throw new RangeError(`spool maxBytes must be positive, not ${maxBytes}`);
    if (!(segmentBytes > 0))
      throw new RangeError(`spool segmentBytes must be positive, not ${segmentBytes}`);
    const dir = resolve(options.dir);
    await createSpoolDirectory(dir);
    const lock = await acquireLock(dir);
    try {
      const recovered = await recoverSpool(dir, options.onCorrupt ?? (() => {}));
      return new Spool(
        dir,
        maxBytes,
        segmentBytes,
        lock,
        recovered.segments,
        recovered.pending,
        recovered.nextSegmentSequence,
      );
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Records appended (or found at open) and not released yet. */
  get pending(): number {
    return this.pendingRecords.size;
  }

  /** Bytes of all segment files on disk. */
  get bytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.bytes, 0);
  }

  /**
   * Durable once resolved: written and fdatasync'ed, together with the appends made meanwhile
   * (group-commit.ts), in append order. Rejects SpoolFullError (nothing written) when full, a
   * RangeError for a payload over MAX_PAYLOAD_BYTES, or the file system's error.
   */
  async append(payload: Buffer): Promise<void> {
    if (this.closing) throw new SpoolClosedError(`spool ${this.dir} is closed`);
    if (payload.length > MAX_PAYLOAD_BYTES)
      throw new RangeError(
        `spool payload of ${payload.length} bytes is over the ${MAX_PAYLOAD_BYTES}-byte maximum`,
      );
    const recordBytes = HEADER_BYTES + payload.length;
    const onDisk = this.bytes;
    if (onDisk + this.inFlightBytes + recordBytes > this.maxBytes)
      throw new SpoolFullError(
        `spool ${this.dir} is full: ${onDisk} bytes on disk and ${this.inFlightBytes} being ` +
          `written, a ${recordBytes}-byte record would pass maxBytes ${this.maxBytes}`,
      );
    this.inFlightBytes += recordBytes;
    await this.writer.submit(encodeRecord(payload));
  }

  /**
   * Up to `max` of the oldest unreleased records, in append order, without removing them; [] when
   * none. Only records whose append resolved (on disk), so it is safe while appends go on.
   */
  async peek(max: number): Promise<SpoolRecord[]> {
    if (this.closing) throw new SpoolClosedError(`spool ${this.dir} is closed`);
    return this.exclusive(async () => {
      const records: SpoolRecord[] = [];
      for (const run of readRuns(this.pendingRecords.oldest(max))) {
        const first = run[0]!;
        const last = run.at(-1)!;
        const end = last.offset + HEADER_BYTES + last.payloadBytes;
        const bytes = await first.segment.read(first.offset, end - first.offset);
        for (const position of run) {
          const record = { payload: payloadAt(bytes, position.offset - first.offset, position) };
          this.positions.set(record, position);
          records.push(record);
        }
      }
      return records;
    });
  }

  /**
   * Releases every record up to and including `record` (from peek(); releasing one already
   * released does nothing). A segment whose records are all released is deleted, then the
   * directory synced. A crash before the deletion brings the released records back at the next
   * open (recover.ts): at least once, never lost.
   */
  async release(record: SpoolRecord): Promise<void> {
    if (this.closing) throw new SpoolClosedError(`spool ${this.dir} is closed`);
    const position = this.positions.get(record);
    if (!position) throw new TypeError("release() takes a record from this spool's peek()");
    await this.exclusive(async () => {
      this.pendingRecords.releaseThrough(position.sequence);
      await this.deleteReleasedSegments();
    });
  }

  /** Waits for appends in flight, closes files, removes the lock. Records stay for the next open. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    try {
      await this.writer.settled();
      await this.exclusive(async () => {
        try {
          await this.deleteReleasedSegments();
        } finally {
          for (const segment of this.segments) await segment.close();
        }
      });
    } finally {
      await this.lock.release();
    }
  }

  /** As many queued records as fit in the segment they will go to (see segmentToAppendTo). */
  private batchSize(queued: readonly Buffer[]): number {
    const first = queued[0]?.length ?? 0;
    const room = this.segmentBytes - (this.activeTakes(first) ? this.active!.bytes : 0);
    let count = 0;
    let bytes = 0;
    for (const record of queued) {
      // The first record always goes, even one larger than a whole segment.
      if (count > 0 && bytes + record.length > room) break;
      bytes += record.length;
      count++;
    }
    return count;
  }

  /**
   * Whether a record of `recordBytes` goes into the active segment, or a new one: segments stay
   * within segmentBytes, but an empty one takes any record.
   */
  private activeTakes(recordBytes: number): boolean {
    if (!this.active) return false;
    return this.active.bytes === 0 || this.active.bytes + recordBytes <= this.segmentBytes;
  }

  /** One write() and one fdatasync for the batch; then its records are pending. */
  private async commit(batch: Buffer[]): Promise<void> {
    const batchBytes = batch.reduce((sum, record) => sum + record.length, 0);
    this.committing = true;
    let segment: Segment | undefined;
    try {
      segment = await this.segmentToAppendTo(batch[0]!.length);
      const position = segment.bytes;
      await segment.writeDurably(
        batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes),
        position,
      );
      // One synchronous step: the bytes move from in flight to on disk, never counted twice.
      segment.bytes += batchBytes;
      this.inFlightBytes -= batchBytes;
      let offset = position;
      for (const record of batch) {
        this.pendingRecords.add(segment, offset, record.length - HEADER_BYTES);
        offset += record.length;
      }
    } catch (error) {
      if (segment) await this.abandon(segment);
      this.inFlightBytes -= batchBytes;
      throw error;
    } finally {
      this.committing = false;
    }
  }

  private async segmentToAppendTo(firstRecordBytes: number): Promise<Segment> {
    if (this.activeTakes(firstRecordBytes)) return this.active!;
    this.active = undefined; // full (rotate), or none yet
    const segment = await Segment.create(this.dir, this.nextSegmentSequence++);
    this.segments.push(segment);
    // Active at once: a release() meanwhile must not delete it as empty.
    this.active = segment;
    try {
      await syncDirectory(this.dir);
    } catch (error) {
      await this.abandon(segment);
      throw error;
    }
    return segment;
  }

  /**
   * After a failed write or sync, what reached the file is unknown (and after a failed fdatasync
   * Linux may have dropped the dirty pages): never append to it again. Its earlier records stay
   * pending; the failed batch's appends were rejected (if some of it did reach the disk, it comes
   * back at the next open, as a duplicate the drainer's idempotent writes absorb).
   */
  private async abandon(segment: Segment): Promise<void> {
    if (this.active === segment) this.active = undefined;
    segment.bytes = await segment.measure().catch(() => segment.bytes);
    if (segment.pendingRecords === 0)
      // In the background, after any peek or release in progress; a failure leaves the file
      // to the next release, which tries again.
      this.exclusive(() => this.deleteReleasedSegments()).catch(() => {});
  }

  /** Deletes each segment with no unreleased record that no write is in flight to. */
  private async deleteReleasedSegments(): Promise<void> {
    const released = this.segments.filter(
      (segment) => segment.pendingRecords === 0 && !(segment === this.active && this.committing),
    );
    if (released.length === 0) return;
    // Before any await: the next append must start a new segment, not write to a deleted one.
    if (this.active && released.includes(this.active)) this.active = undefined;
    try {
      for (const segment of released) {
        await segment.delete();
        this.segments = this.segments.filter((kept) => kept !== segment);
      }
    } finally {
      await syncDirectory(this.dir);
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.exclusiveTail.then(task);
    this.exclusiveTail = result.catch(() => undefined);
    return result;
  }
}

/** Neighbouring records of one segment, so that peek() reads each run at once. */
function* readRuns(positions: readonly RecordPosition[]): Generator<RecordPosition[]> {
  let run: RecordPosition[] = [];
  let runEnd = 0;
  for (const position of positions) {
    const start = run[0];
    const neighbour =
      start !== undefined &&
      position.segment === start.segment &&
      position.offset === runEnd &&
      runEnd + HEADER_BYTES + position.payloadBytes - start.offset <= PEEK_READ_BYTES;
    if (!neighbour && run.length > 0) {
      yield run;
      run = [];
    }
    run.push(position);
    runEnd = position.offset + HEADER_BYTES + position.payloadBytes;
  }
  if (run.length > 0) yield run;
}

/**
 * The payload of the record at `at` in `bytes`, checked again: the disk may have changed since
 * the record was validated or written. A drainer stuck on an error beats one that forwards
 * garbage.
 */
function payloadAt(bytes: Buffer, at: number, position: RecordPosition): Buffer {
  const header = decodeHeader(bytes.subarray(at, at + HEADER_BYTES));
  const payload = bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + position.payloadBytes);
  if ('invalid' in header || header.payloadBytes !== position.payloadBytes)
    throw new Error(`spool segment ${position.segment.name}: record at ${position.offset} changed`);
  if (!checksumMatches(payload, header.checksum))
    throw new Error(
      `spool segment ${position.segment.name}: checksum mismatch at ${position.offset}`,
    );
  return payload;
}
