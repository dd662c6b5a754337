import { join } from 'node:path';
import { listSegmentFiles, syncDirectory } from './directory.js';
import { PendingRecords } from './pending-records.js';
import { Segment } from './segment.js';
import { scanSegment, type CorruptRecord } from './segment-scan.js';

export interface RecoveredSpool {
  /** Oldest first; each holds at least one valid record. */
  readonly segments: Segment[];
  readonly pending: PendingRecords;
  /** After every segment file there is: appends never go after a possibly torn tail. */
  readonly nextSegmentSequence: number;
}

/**
 * What a spool directory holds at open: every segment scanned and validated, oldest first, its
 * valid records pending again.
 *
 * Records released but not yet deleted when the last process stopped (a crash between release()
 * and the segment's unlink, or a segment released only partway) come back here too: the drainer
 * writes them to Redis again, which is idempotent. A spool gives records back at least once,
 * never fewer.
 *
 * A segment with no valid record left (empty: created just before a crash; or corrupt from its
 * first record, already reported) is deleted: nothing in it can ever be read.
 */
export async function recoverSpool(
  dir: string,
  onCorrupt: (corrupt: CorruptRecord) => void,
): Promise<RecoveredSpool> {
  const files = await listSegmentFiles(dir);
  const pending = new PendingRecords();
  const segments: Segment[] = [];
  let deletedAny = false;
  for (const file of files) {
    const segment = Segment.found(dir, file.name, 0);
    const scan = await scanSegment(join(dir, file.name), file.name, (offset, payloadBytes) =>
      pending.add(segment, offset, payloadBytes),
    );
    segment.bytes = scan.fileBytes;
    if (scan.corrupt) onCorrupt(scan.corrupt);
    if (segment.pendingRecords > 0) {
      segments.push(segment);
    } else {
      await segment.delete();
      deletedAny = true;
    }
  }
  if (deletedAny) await syncDirectory(dir);
  return {
    segments,
    pending,
    nextSegmentSequence: (files.at(-1)?.sequence ?? 0) + 1,
  };
}
