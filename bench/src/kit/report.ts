import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { progress } from './progress.js';
import type { Workspace } from './workspace.js';

/**
 * The end of a bench run (`npm run bench`, `npm run bench:scale`): the report as JSON at `out`,
 * the problems on stdout, and exit code 1 with the workspace kept (its logs and configs) when the
 * run failed or found problems; otherwise the workspace is removed.
 */
export function finishRun(
  out: string,
  report: { readonly seconds: number; readonly problems: readonly string[] },
  failure: unknown,
  workspace: Workspace,
): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  progress(`results written to ${out} (${report.seconds} s)`);
  const { problems } = report;
  if (problems.length)
    process.stdout.write(
      `PROBLEMS (${problems.length}):\n${problems.map((p) => `- ${p}`).join('\n')}\n`,
    );
  if (failure || problems.length) {
    process.exitCode = 1;
    progress(`logs and configs kept in ${workspace.dir}`);
  } else workspace.remove();
}
