import { execFile } from 'node:child_process';
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
