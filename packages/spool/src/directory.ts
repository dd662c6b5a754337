import { mkdir, open, readdir } from 'node:fs/promises';
import { dirname } from 'node:path';

const SEGMENT_NAME = /^segment-(\d{16})\.spool$/;

/** `segment-0000000000000042.spool`: zero-padded, so names sort like their sequence numbers. */
export const segmentFileName = (sequence: number): string =>
  `segment-${String(sequence).padStart(16, '0')}.spool`;

export interface SegmentFile {
  readonly name: string;
  readonly sequence: number;
}

/** The segment files in `dir`, oldest first. Other files (the LOCK) are not segments. */
export async function listSegmentFiles(dir: string): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    const match = SEGMENT_NAME.exec(name);
    if (match) segments.push({ name, sequence: Number(match[1]) });
  }
  return segments.sort((a, b) => a.sequence - b.sequence);
}

/**
 * Creates `dir` if missing, private to the ingress's user (the records are webhook bodies). A new
 * directory's own entry is durable once its parent is synced: else a crash could lose the
 * directory with the first acknowledged records in it.
 */
export async function createSpoolDirectory(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (firstCreated === undefined) return;
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    await syncDirectory(parent);
    if (parent === dirname(firstCreated) || parent === dirname(parent)) break;
  }
}

/**
 * A file's creation or deletion is durable only once its directory is synced: without this, a
 * crash can lose a new segment file (with records already acknowledged in it), or bring back a
 * deleted one.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
