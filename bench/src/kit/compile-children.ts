/**
 * The bench's own child processes (load generator, backend, baselines) run as plain JavaScript, not
 * through tsx: tsx's loader adds ~30 MB of RSS and a loader thread to a process, which would make a
 * bare Express look heavier than the built ingress it is compared with. So each entry and the local
 * files it imports are transpiled (TypeScript's transpileModule: types stripped, nothing checked;
 * `npm run typecheck -w bench` checks them) into a directory of the run, beside a `node_modules`
 * link to the workspace's so their packages resolve. Not run on its own.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));
const LOCAL_IMPORT = /\bfrom\s+'(\.{1,2}\/[^']+)\.js'/g;

/**
 * Transpiles `entries` (paths relative to bench/src, `.ts`) and every local file they import into
 * `outDir`; returns each entry's `.js` path, by entry.
 */
export function compileChildren(
  entries: readonly string[],
  outDir: string,
): Record<string, string> {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(NODE_MODULES, join(outDir, 'node_modules'), 'dir');
  const done = new Set<string>();
  const pending = entries.map((entry) => resolve(SRC, entry));
  while (pending.length) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const out = join(outDir, relative(SRC, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    for (const [, specifier] of outputText.matchAll(LOCAL_IMPORT))
      pending.push(resolve(dirname(file), `${specifier}.ts`));
  }
  return Object.fromEntries(
    entries.map((entry) => [entry, join(outDir, entry.replace(/\.ts$/, '.js'))]),
  );
}
