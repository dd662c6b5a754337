import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { segmentFileName } from './directory.js';

/**
 * One segment file and what the spool knows of it. The spool appends only to segments it created
 * in this process; the ones found at open are read and, once released, deleted.
 */
export class Segment {
  /** Its valid records not released yet: at 0 (and not being written to) it can be deleted. */
  pendingRecords = 0;

  private constructor(
    readonly name: string,
    readonly path: string,
    /** Its size on disk: what the spool counts against maxBytes. */
    public bytes: number,
    /** Opened lazily for reading, at creation for writing (read-write then). */
    private handle: FileHandle | undefined,
  ) {}

  static found(dir: string, name: string, bytes: number): Segment {
    return new Segment(name, join(dir, name), bytes, undefined);
  }

  /** A new, empty segment file; the caller syncs the directory so that the file survives a crash. */
  static async create(dir: string, sequence: number): Promise<Segment> {
    const name = segmentFileName(sequence);
    const path = join(dir, name);
    // 'wx+': never reuse an existing file (it could hold records), and read back what we write.
    return new Segment(name, path, 0, await open(path, 'wx+', 0o600));
  }

  /**
   * Writes `data` at `position` and fdatasyncs: the bytes are on disk when this resolves. Leaves
   * `bytes` to the caller, which moves the bytes from its in-flight count in the same step.
   */
  async writeDurably(data: Buffer, position: number): Promise<void> {
    const handle = await this.open();
    for (let written = 0; written < data.length;) {
      const { bytesWritten } = await handle.write(
        data,
        written,
        data.length - written,
        position + written,
      );
      written += bytesWritten;
    }
    // fdatasync, not fsync: the file's size is data (it is flushed), its times are not needed.
    await handle.datasync();
  }

  /** `length` bytes from `position`; an error if the file is shorter. */
  async read(position: number, length: number): Promise<Buffer> {
    const handle = await this.open();
    const bytes = Buffer.allocUnsafe(length);
    for (let filled = 0; filled < length;) {
      const { bytesRead } = await handle.read(bytes, filled, length - filled, position + filled);
      if (bytesRead === 0)
        throw new Error(`spool segment ${this.name} ends before byte ${position + length}`);
      filled += bytesRead;
    }
    return bytes;
  }

  /** The size the file really has, after a failed write left an unknown part of it on disk. */
  async measure(): Promise<number> {
    return (await (await this.open()).stat()).size;
  }

  async delete(): Promise<void> {
    await this.close();
    await unlink(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async open(): Promise<FileHandle> {
    this.handle ??= await open(this.path, 'r');
    return this.handle;
  }
}
