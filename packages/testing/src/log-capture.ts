import { Writable } from 'node:stream';

/** A stream for createLogger({stream}) that keeps every JSON line, so tests can read and scan logs. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString().split('\n')) if (line.trim()) this.lines.push(line);
    callback();
  }

  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  find(message: string): Record<string, unknown>[] {
    return this.entries().filter((entry) => entry.message === message);
  }
}
