import { spawn, type ChildProcess } from 'node:child_process';

export interface AppProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

export function startApp(name: string, entry: string, env: NodeJS.ProcessEnv): AppProcess {
  // Own process group, so Ctrl-C reaches only the launcher, which then stops each app exactly once.
  const child = spawn(process.execPath, [entry], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { name, child, exited };
}

/** SIGTERM to every app (they finish in-flight work), then wait for all of them. */
export async function stopApps(apps: readonly AppProcess[]): Promise<void> {
  for (const app of apps) if (app.child.exitCode === null) app.child.kill('SIGTERM');
  await Promise.all(apps.map((app) => app.exited));
}
