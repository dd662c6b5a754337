import { spawnSync } from 'node:child_process';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpoolLockedError } from '../src/index.js';
import { payload, payloadsOf, useSpoolDirectory } from './helpers.js';

const spools = useSpoolDirectory();
const lockFile = () => join(spools.dir(), 'LOCK');
const ours = `${process.pid} ${hostname()}\n`;

/** The pid of a process that has exited: nobody has it (until the system hands it out again). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid;
}

describe('the spool directory lock', () => {
  it('holds `pid hostname` while open, and keeps a second open out', async () => {
    const first = await spools.open();
    expect(readFileSync(lockFile(), 'utf8')).toBe(ours);
    const second = spools.open();
    await expect(second).rejects.toThrow(SpoolLockedError);
    await expect(second).rejects.toThrow(
      new RegExp(`locked by pid ${process.pid} on .*two ingresses must not share`),
    );
    await first.append(payload(0)); // the first is unharmed
    expect(await payloadsOf(first)).toEqual([String(payload(0))]);
  });

  it('takes over a LOCK left by a dead process (a SIGKILLed ingress)', async () => {
    const pid = deadPid();
    writeFileSync(lockFile(), `${pid} ${hostname()}\n`);
    await spools.open();
    expect(readFileSync(lockFile(), 'utf8')).toBe(ours);
  });

  it('takes over a LOCK with our pid written before this process started (a restart)', async () => {
    writeFileSync(lockFile(), ours);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lockFile(), anHourAgo, anHourAgo);
    await spools.open();
    expect(readFileSync(lockFile(), 'utf8')).toBe(ours);
  });

  it('respects a LOCK of a live process, of another host, or that it cannot read', async () => {
    // Our parent process is alive; another host's pids cannot be checked; an empty LOCK may be
    // one being written.
    for (const holder of [`${process.ppid} ${hostname()}\n`, `${deadPid()} elsewhere\n`, '']) {
      writeFileSync(lockFile(), holder);
      await expect(spools.open()).rejects.toThrow(SpoolLockedError);
      expect(readFileSync(lockFile(), 'utf8')).toBe(holder);
    }
  });

  it('is removed by close(), so that the next open takes it', async () => {
    const first = await spools.open();
    await first.close();
    const second = await spools.open();
    expect(readFileSync(lockFile(), 'utf8')).toBe(ours);
    await second.close();
  });
});
