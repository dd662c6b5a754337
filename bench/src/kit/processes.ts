/**
 * The processes of a bench run: Node children forked with IPC or spawned with a log file, their
 * readiness (an IPC message, or an HTTP URL answering 200), their peak RSS (VmHWM from
 * /proc/<pid>/status), and one registry that kills every process still running: each section
 * stops its own in `finally`; `killAll()` on exit, SIGINT and SIGTERM gets whatever is left.
 * Not run on its own.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { progress } from './progress.js';

/** Something that can be killed at once, synchronously (a signal handler cannot wait). */
export interface Killable {
  killNow(): void;
}

const alive = new Set<Killable>();

/** Registers `killable` until the returned function is called. */
export function track(killable: Killable): () => void {
  alive.add(killable);
  return () => alive.delete(killable);
}

/** SIGKILLs every registered process. */
export function killAll(): void {
  for (const killable of alive) killable.killNow();
  alive.clear();
}

/** On SIGINT and SIGTERM: `cleanup` (synchronous), every process killed, exit 130. On exit: killAll. */
export function killAllOnSignals(cleanup: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      progress(`${signal}: stopping every process`);
      killAll();
      cleanup();
      process.exit(130);
    });
  process.once('exit', killAll);
}

/** VmHWM (peak resident set) of a live process in MB, or null once it is gone. */
export function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? null : +(Number(kb) / 1024).toFixed(1);
  } catch {
    return null;
  }
}

/** One child process, tracked until it exited. */
export class Child implements Killable {
  readonly exited: Promise<void>;
  exitCode: number | null | undefined;
  exitSignal: NodeJS.Signals | null = null;
  private stopping = false;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
    readonly logFile?: string,
  ) {
    const untrack = track(this);
    this.exited = new Promise((resolve) =>
      process.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        untrack();
        if (!this.stopping) progress(`${name} exited on its own (code ${code}, signal ${signal})`);
        resolve();
      }),
    );
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Exited without being asked to. */
  get crashed(): boolean {
    return !this.running && !this.stopping;
  }

  peakRssMb(): number | null {
    return this.running ? peakRssMb(this.pid) : null;
  }

  /** The last lines of its log file, for an error message. */
  tail(lines = 15): string {
    if (!this.logFile) return '';
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  send(message: unknown): void {
    this.process.send?.(message as never);
  }

  /**
   * The first IPC message `accept` takes; rejects if the child exits first, on the deadline, or
   * when `signal` aborts.
   */
  message<T>(
    accept: (message: unknown) => T | undefined,
    timeoutMs: number,
    what: string,
    signal?: AbortSignal,
  ) {
    return new Promise<T>((resolve, reject) => {
      const done = (error?: Error, value?: T) => {
        clearTimeout(timer);
        this.process.off('message', onMessage);
        this.process.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as T);
      };
      const onAbort = () => done(new Error(`stopped waiting for ${what}`));
      signal?.addEventListener('abort', onAbort);
      const onMessage = (message: unknown) => {
        const value = accept(message);
        if (value !== undefined) done(undefined, value);
      };
      const onExit = () => done(new Error(`${this.name} exited while waiting for ${what}`));
      const timer = setTimeout(
        () => done(new Error(`${this.name}: no ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.process.on('message', onMessage);
      this.process.once('exit', onExit);
      if (!this.running) onExit();
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  killNow(): void {
    this.stopping = true;
    if (this.running) this.process.kill('SIGKILL');
  }
}

/** Output to `logFile` (appended) or, without one, dropped. */
function outputTo(logFile: string | undefined): { fd: number | 'ignore'; close(): void } {
  if (!logFile) return { fd: 'ignore', close: () => undefined };
  const fd = openSync(logFile, 'a');
  return { fd, close: () => closeSync(fd) };
}

/** Forks a plain-JavaScript Node entry (no loader: its RSS is its own) with an IPC channel. */
export function forkChild(
  name: string,
  entry: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; logFile?: string } = {},
): Child {
  const out = outputTo(options.logFile);
  const child = fork(entry, [...args], {
    env: { ...process.env, ...options.env },
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', out.fd, out.fd, 'ipc'],
  });
  out.close();
  return new Child(name, child, options.logFile);
}

/** Spawns `node entry` (a built app) without IPC, its output in `logFile`. */
export function spawnNode(
  name: string,
  entry: string,
  options: { env?: NodeJS.ProcessEnv; logFile?: string } = {},
): Child {
  const out = outputTo(options.logFile);
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', out.fd, out.fd],
  });
  out.close();
  return new Child(name, child, options.logFile);
}

/** Polls `url` until it answers 200; fails at once when `child` exits, or at the deadline. */
export async function waitForHttp(child: Child, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!child.running)
      throw new Error(`${child.name} exited before ${url} answered:\n${child.tail()}`);
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (performance.now() > deadline)
      throw new Error(
        `${child.name}: ${url} did not answer 200 within ${timeoutMs} ms:\n${child.tail()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
