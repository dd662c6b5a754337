import { spawn, type ChildProcess } from 'node:child_process';
import { LAUNCHER_FLAG, type ListenReport } from '@hookrelay/service-kit';

/** The address an app says it bound. */
export interface Bound {
  readonly host: string;
  readonly port: number;
}

export interface AppProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Resolves once the app itself says it is listening; never, when it exits first. */
  readonly listening: Promise<Bound>;
  /** Its one line on why it could not listen, when it sent one before exiting. */
  cannotListen(): string | undefined;
}

/**
 * Reads what service-kit's listenOrExit sends when started with LAUNCHER_FLAG: only the app's own
 * word counts, never an answer on its port, which a foreign program could give (docs/contract.md §2).
 */
function readReport(
  message: unknown,
): Partial<Record<keyof ListenReport | 'host' | 'port' | 'message', unknown>> {
  return typeof message === 'object' && message !== null
    ? (message as Record<string, unknown>)
    : {};
}

export function startApp(name: string, entry: string, env: NodeJS.ProcessEnv): AppProcess {
  // Own process group, so Ctrl-C reaches only the launcher, which then stops each app exactly once.
  const child = spawn(process.execPath, [entry, LAUNCHER_FLAG], {
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let failure: string | undefined;
  const listening = new Promise<Bound>((resolve) => {
    child.on('message', (message) => {
      const { type, host, port, message: line } = readReport(message);
      if (type === 'hookrelay:listening' && typeof host === 'string' && typeof port === 'number')
        resolve({ host, port });
      if (type === 'hookrelay:cannot-listen' && typeof line === 'string') failure = line;
    });
  });
  return { name, child, exited, listening, cannotListen: () => failure };
}

export type StartOutcome =
  | { readonly ok: true; readonly bound: ReadonlyMap<string, Bound> }
  | { readonly ok: false; readonly reason: string };

/** Every app's address once all have confirmed listening; as soon as one exits or `timeoutMs` passes, why not. */
export async function awaitListening(
  apps: readonly AppProcess[],
  timeoutMs: number,
): Promise<StartOutcome> {
  const pending = new Set(apps.map((app) => app.name));
  const all = Promise.all(
    apps.map(async (app) => {
      const bound = await app.listening;
      pending.delete(app.name);
      return [app.name, bound] as const;
    }),
  ).then((entries): StartOutcome => ({ ok: true, bound: new Map(entries) }));
  const firstExit = Promise.race(
    apps.map((app) =>
      app.exited.then((code): StartOutcome => ({
        ok: false,
        reason: `${app.name}: ${app.cannotListen() ?? `exited with code ${code} while starting`}`,
      })),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<StartOutcome>((resolve) => {
    timer = setTimeout(() => {
      const late = [...pending].join(', ');
      resolve({ ok: false, reason: `${late}: not listening after ${timeoutMs / 1000} s` });
    }, timeoutMs);
  });
  return Promise.race([all, firstExit, deadline]).finally(() => clearTimeout(timer));
}

/** SIGTERM to every app (they finish in-flight work), then wait for all of them. */
export async function stopApps(apps: readonly AppProcess[]): Promise<void> {
  for (const app of apps) if (app.child.exitCode === null) app.child.kill('SIGTERM');
  await Promise.all(apps.map((app) => app.exited));
}
