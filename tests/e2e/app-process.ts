import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@hookrelay/testing';

/** An app's built entry, as `npm start -w apps/<name>` runs it. */
export const appEntry = (name: string) =>
  fileURLToPath(new URL(`../../apps/${name}/dist/index.js`, import.meta.url));

export interface AppRun {
  readonly child: ChildProcess;
  /** Every line printed so far, stdout and stderr together, in order of arrival. */
  readonly lines: string[];
  /** The stderr lines alone. */
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
  /** Waits for a line matching `pattern`, within `timeoutMs`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Runs `node <entry>` with `env`, collecting its output line by line. */
export function runNode(entry: string, env: NodeJS.ProcessEnv, cwd?: string): AppRun {
  const child = spawn(process.execPath, [entry], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines.push(line);
    stderr.push(line);
  });
  // 'close', not 'exit': by then every line it printed has been read.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  return {
    child,
    lines,
    stderr,
    exited,
    line: (pattern, timeoutMs = 10_000) =>
      waitFor(() => lines.find((line) => pattern.test(line)), {
        timeoutMs,
        what: `a line matching ${pattern}`,
      }),
  };
}

/** Config for apps run alone: every address on loopback, each port from the variable hookrelay.yaml uses. */
export const LOOPBACK_CONFIG = `
redis: { url: \${REDIS_URL}, prefix: test }
ingress: { port: \${PORT}, host: 127.0.0.1 }
worker: { port: \${WORKER_PORT}, host: 127.0.0.1 }
dashboard: { port: \${DASHBOARD_PORT}, host: 127.0.0.1, password: \${DASHBOARD_PASSWORD} }
demoBackend: { port: \${DEMO_BACKEND_PORT}, host: 127.0.0.1 }
sources:
  payment:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:\${DEMO_BACKEND_PORT}/webhooks/payment" }
`;
