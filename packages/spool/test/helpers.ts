import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Spool, type SpoolOptions } from '../src/index.js';

/** A fresh temp directory per test, its spools closed and the directory removed after it. */
export function useSpoolDirectory(): {
  dir: () => string;
  open: (options?: Partial<SpoolOptions>) => Promise<Spool>;
} {
  let dir: string | undefined;
  const opened: Spool[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((spool) => spool.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const current = () => (dir ??= mkdtempSync(join(tmpdir(), 'hookrelay-spool-')));
  return {
    dir: current,
    open: async (options = {}) => {
      const spool = await Spool.open({ dir: current(), maxBytes: 1024 * 1024, ...options });
      opened.push(spool);
      return spool;
    },
  };
}

/** A recognisable payload of `size` bytes (100 by default: 112 bytes on disk with its header). */
export const payload = (index: number, size = 100): Buffer =>
  Buffer.from(`record ${index} `.padEnd(size, '.'));

export const segmentFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.spool'))
    .sort();

export async function appendAll(spool: Spool, payloads: readonly Buffer[]): Promise<void> {
  await Promise.all(payloads.map((each) => spool.append(each)));
}

export const payloadsOf = async (spool: Spool, max = 1_000_000): Promise<string[]> =>
  (await spool.peek(max)).map((record) => record.payload.toString());
