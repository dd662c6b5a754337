import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SpoolLockedError } from './errors.js';

export interface SpoolLock {
  /** Removes the LOCK file. */
  release(): Promise<void>;
}

interface Holder {
  /** The file's text, to tell it from a LOCK written since. */
  readonly text: string;
  readonly pid?: number;
  readonly host?: string;
  readonly modifiedMs: number;
}

/**
 * Takes `dir/LOCK`: created with O_EXCL, holding `<pid> <hostname>`. Two ingresses must not share
 * one spool directory: each would append to its own segments and release the other's records.
 *
 * A LOCK left by a process that was SIGKILLed (or crashed) names a pid that is no longer alive on
 * this host: it is stale and taken over. A LOCK from another host (a shared volume) cannot be
 * checked, so it counts as held.
 */
export async function acquireLock(dir: string): Promise<SpoolLock> {
  const path = join(dir, 'LOCK');
  const text = `${process.pid} ${hostname()}\n`;
  // A stale LOCK is removed and created again; a LOCK that keeps changing under us is a lock.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(path, text)) return { release: () => removeIfExists(path) };
    const holder = await readHolder(path);
    if (holder === undefined) continue; // removed between our create and our read: try again
    if (!isStale(holder))
      throw new SpoolLockedError(
        `spool directory ${dir} is locked by ${describe(holder)} (${path}): ` +
          'two ingresses must not share one spool directory',
      );
    // Between our read and this unlink another process may have taken the stale lock over
    // already: read it again just before, and leave a LOCK that changed. (Two ingresses started
    // on one directory in the same millisecond after a crash can still both get through; that is
    // a deployment error this lock narrows, not a promise.)
    const again = await readHolder(path);
    if (again?.text === holder.text) await removeIfExists(path);
  }
  throw new SpoolLockedError(
    `spool directory ${dir}: its LOCK keeps changing (${path}): ` +
      'two ingresses must not share one spool directory',
  );
}

/** False when the file exists already. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
  } catch (error) {
    await handle.close();
    await removeIfExists(path);
    throw error;
  }
  await handle.close();
  return true;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const [text, stats] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const match = /^(\d+) (\S+)\s*$/.exec(text);
    return match
      ? { text, pid: Number(match[1]), host: match[2], modifiedMs: stats.mtimeMs }
      : { text, modifiedMs: stats.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** When this process started, by the wall clock (as file times are). */
const processStartMs = Date.now() - process.uptime() * 1000;

function isStale(holder: Holder): boolean {
  // Unreadable (empty: created, not yet written — or a crash right then): someone may hold it.
  if (holder.pid === undefined || holder.host !== hostname()) return false;
  if (holder.pid === process.pid)
    // Our own pid: held by this process (another Spool on the directory) if written since we
    // started; else left by an earlier process that had the same pid — a restarted container
    // keeps its hostname and usually its pids, and must not find its spool locked forever.
    return holder.modifiedMs < processStartMs;
  return !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (error) {
    // EPERM: it exists, as another user. Only ESRCH says nobody has this pid.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function describe(holder: Holder): string {
  return holder.pid === undefined
    ? `an unreadable LOCK (${JSON.stringify(holder.text)}; remove it if no ingress uses this directory)`
    : `pid ${holder.pid} on ${holder.host}`;
}

async function removeIfExists(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
