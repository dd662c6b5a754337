import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/hookrelay.js', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

export interface TempFile {
  readonly path: string;
  remove(): void;
}

/** A file in a fresh temporary directory. */
export function tempFile(name: string, content: string): TempFile {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-cli-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A config file for CLI processes. */
export const writeConfig = (yaml: string): TempFile => tempFile('hookrelay.yaml', yaml);

/** Runs `hookrelay <args>` as its own process, the way an operator does. */
export function hookrelay(
  args: readonly string[],
  options: { config?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const configArgs = options.config ? ['--config', options.config] : [];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...configArgs, ...args],
      { env: { ...process.env, ...options.env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T });
      },
    );
  });
}

/** A line a running process printed, and when it arrived (epoch ms). */
export interface OutputLine {
  readonly text: string;
  readonly at: number;
}

/** A `hookrelay` process left running (`hookrelay tail`), its output read line by line as it comes. */
export interface RunningCli {
  readonly stdout: readonly OutputLine[];
  readonly stderr: readonly OutputLine[];
  /**
   * The first line on `stream` that `match` accepts (already printed, or to come); rejects with
   * the output so far when none comes within `timeoutMs`, or when the process exits first.
   */
  waitForLine(
    stream: 'stdout' | 'stderr',
    match: (text: string) => boolean,
    options?: { timeoutMs?: number },
  ): Promise<OutputLine>;
  /** Waits for the process to exit by itself; rejects with its output after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (SIGINT by default) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `hookrelay <args>` as its own process and leaves it running; stop() it at the end. */
export function spawnHookrelay(
  args: readonly string[],
  options: { config?: string; env?: Record<string, string> } = {},
): RunningCli {
  const configArgs = options.config ? ['--config', options.config] : [];
  const child = spawn(process.execPath, [BIN, ...configArgs, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = { stdout: [] as OutputLine[], stderr: [] as OutputLine[] };
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream] }).on('line', (text) => {
      lines[stream].push({ text, at: Date.now() });
      notify();
    });
  }
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<NonNullable<typeof exit>>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // Let readline hand over the last lines first.
      setImmediate(() => {
        notify();
        resolve(exit!);
      });
    }),
  );
  const printed = () =>
    `stdout:\n${lines.stdout.map((l) => l.text).join('\n')}\nstderr:\n${lines.stderr.map((l) => l.text).join('\n')}`;

  return {
    stdout: lines.stdout,
    stderr: lines.stderr,
    waitForLine(stream, match, { timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          const found = lines[stream].find((line) => match(line.text));
          if (found) {
            done();
            resolve(found);
          } else if (exit) {
            done();
            reject(new Error(`hookrelay exited (${JSON.stringify(exit)}) first\n${printed()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching line on ${stream} within ${timeoutMs} ms\n${printed()}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async waitForExit(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`still running after ${timeoutMs} ms\n${printed()}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop(signal = 'SIGINT', timeoutMs = 10_000) {
      if (!exit) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
