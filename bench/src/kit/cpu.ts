/**
 * The CPU other processes use (a server, Redis), read from /proc/<pid>/stat (user + system time),
 * and the whole machine's (/proc/stat: every process, the bench's and anyone else's), over a
 * measured window: % of one core, so two busy cores read 200. Linux only; elsewhere, and for a
 * process already gone, null. Not run on its own.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`; 100 on Linux as built). */
const TICKS_PER_SECOND = (() => {
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  return ticks > 0 ? ticks : 100;
})();

/** CPU seconds `pid` has used so far, user and system, every thread; null when unreadable. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name (in parentheses, which may hold spaces) come the fields from the
    // third on: utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The machine's CPU time so far, busy and in all (every core), in ticks; null when unreadable. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((sum, value) => sum + value, 0);
    // idle and iowait are the 4th and 5th; the rest (user, nice, system, irq, softirq, steal) is busy.
    return { busy: total - ticks[3]! - ticks[4]!, total };
  } catch {
    return null;
  }
}

/** What a window says: each named process's CPU, and the machine's, % of one core. */
export interface CpuFigures {
  readonly byName: Record<string, number | null>;
  /** Every process of the machine, the bench's and others': at most cores × 100. */
  readonly machine: number | null;
}

/** The CPU of named processes, and of the machine, between begin() and end(). */
export class CpuWindow {
  private startedAt = performance.now();
  private start = new Map<string, number | null>();
  private machineStart = machineTicks();

  constructor(private readonly pids: ReadonlyMap<string, number | undefined>) {
    this.begin();
  }

  /** Starts (again) the window: now. */
  begin(): void {
    this.startedAt = performance.now();
    this.start = new Map([...this.pids].map(([name, pid]) => [name, cpuSeconds(pid)]));
    this.machineStart = machineTicks();
  }

  /** Each process's CPU since begin(), and the machine's, % of one core (null: unreadable). */
  end(): CpuFigures {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const machineNow = machineTicks();
    const before = this.machineStart;
    const machine =
      before && machineNow && machineNow.total > before.total
        ? Math.round(
            ((machineNow.busy - before.busy) / (machineNow.total - before.total)) *
              cpus().length *
              100,
          )
        : null;
    const byName = Object.fromEntries(
      [...this.pids].map(([name, pid]) => {
        const before = this.start.get(name);
        const now = cpuSeconds(pid);
        return [
          name,
          before === null || before === undefined || now === null || seconds <= 0
            ? null
            : Math.round(((now - before) / seconds) * 100),
        ];
      }),
    );
    return { byName, machine };
  }
}
