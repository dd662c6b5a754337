/**
 * One bench run's temporary directory: the children compiled to plain JavaScript
 * (kit/compile-children.ts), config files, and every process's log file. Removed at the end of a
 * run that went well, kept (and named on stderr) otherwise. Not run on its own.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileChildren } from './compile-children.js';

/** Every process the bench forks from its own code, as paths under bench/src. */
export const CHILD_ENTRIES = [
  'kit/load-generator.ts',
  'kit/backend-child.ts',
  'baselines/bare-express.ts',
  'baselines/express-redis-write.ts',
  'baselines/express-queue.ts',
  'baselines/bullmq-axios-worker.ts',
] as const;
export type ChildEntry = (typeof CHILD_ENTRIES)[number];

export class Workspace {
  private readonly entries: Record<string, string>;
  private logs = 0;

  private constructor(readonly dir: string) {
    mkdirSync(join(dir, 'logs'));
    this.entries = compileChildren(CHILD_ENTRIES, join(dir, 'children'));
  }

  static create(): Workspace {
    return new Workspace(mkdtempSync(join(tmpdir(), 'hookrelay-bench-')));
  }

  /** The compiled JavaScript of one of CHILD_ENTRIES. */
  entry(entry: ChildEntry): string {
    return this.entries[entry]!;
  }

  /** A fresh log file for a process named `name`. */
  logFile(name: string): string {
    this.logs += 1;
    return join(this.dir, 'logs', `${String(this.logs).padStart(3, '0')}-${name}.log`);
  }

  /** A path in the run's directory. */
  file(name: string): string {
    return join(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
