import { open, type FileHandle } from 'node:fs/promises';
import { checksumMatches, decodeHeader, HEADER_BYTES } from './record.js';

/** A corrupt or torn record found at open: it and the rest of its segment are skipped. */
export interface CorruptRecord {
  /** The segment's file name. */
  readonly segment: string;
  /** Where the bad record starts in it. */
  readonly offset: number;
  readonly reason: string;
  /** From `offset` to the end of the file. */
  readonly bytesSkipped: number;
}

export interface ScannedSegment {
  readonly fileBytes: number;
  readonly corrupt?: CorruptRecord;
}

/**
 * Validates a segment record by record, from the start, and calls `onRecord` for each valid one.
 * The first record that is torn (a crash mid-write: a short header or payload at the end), has a
 * bad magic or length, or fails its checksum ends the segment's valid part: nothing after it can
 * be trusted to start on a record boundary.
 */
export async function scanSegment(
  path: string,
  name: string,
  onRecord: (offset: number, payloadBytes: number) => void,
): Promise<ScannedSegment> {
  const handle = await open(path, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    const reader = new ChunkedReader(handle, fileBytes);
    const corrupt = (offset: number, reason: string): ScannedSegment => ({
      fileBytes,
      corrupt: { segment: name, offset, reason, bytesSkipped: fileBytes - offset },
    });
    let offset = 0;
    while (offset < fileBytes) {
      const header = await reader.bytesAt(offset, HEADER_BYTES);
      if (header.length < HEADER_BYTES)
        return corrupt(
          offset,
          `torn tail: header cut short (${header.length} of ${HEADER_BYTES} bytes)`,
        );
      const decoded = decodeHeader(header);
      if ('invalid' in decoded) return corrupt(offset, decoded.invalid);
      const payload = await reader.bytesAt(offset + HEADER_BYTES, decoded.payloadBytes);
      if (payload.length < decoded.payloadBytes)
        return corrupt(
          offset,
          `torn tail: length ${decoded.payloadBytes} runs past the end of the file ` +
            `(${payload.length} payload bytes there)`,
        );
      if (!checksumMatches(payload, decoded.checksum))
        return corrupt(offset, 'checksum mismatch: the payload is not what was written');
      onRecord(offset, decoded.payloadBytes);
      offset += HEADER_BYTES + decoded.payloadBytes;
    }
    return { fileBytes };
  } finally {
    await handle.close();
  }
}

/** Reads a file in large chunks, so that scanning small records costs few system calls. */
class ChunkedReader {
  private static readonly CHUNK_BYTES = 1024 * 1024;
  private chunk = Buffer.alloc(0);
  private chunkStart = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly fileBytes: number,
  ) {}

  /** `length` bytes from `position`, or fewer where the file ends. */
  async bytesAt(position: number, length: number): Promise<Buffer> {
    const end = Math.min(position + length, this.fileBytes);
    const chunkEnd = this.chunkStart + this.chunk.length;
    if (position >= this.chunkStart && end <= chunkEnd)
      return this.chunk.subarray(position - this.chunkStart, end - this.chunkStart);
    const size = Math.min(Math.max(length, ChunkedReader.CHUNK_BYTES), this.fileBytes - position);
    const chunk = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await this.handle.read(chunk, filled, size - filled, position + filled);
      if (bytesRead === 0) break; // shorter than its size said: treated as where it ends
      filled += bytesRead;
    }
    this.chunk = chunk.subarray(0, filled);
    this.chunkStart = position;
    return this.chunk.subarray(0, Math.min(length, filled));
  }
}
