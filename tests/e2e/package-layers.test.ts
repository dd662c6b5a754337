import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const { LAYERS } = createRequire(import.meta.url)('../../package-layers.cjs') as {
  LAYERS: Record<string, string[]>;
};

/** The @hookrelay packages a workspace's package.json lists as runtime dependencies. */
function hookrelayDependencies(folder: string): string[] {
  const manifest = JSON.parse(readFileSync(new URL(`${folder}/package.json`, root), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {})
    .filter((name) => name.startsWith('@hookrelay/'))
    .map((name) => name.slice('@hookrelay/'.length))
    .sort();
}

describe('the package layers written down in package-layers.cjs', () => {
  const packages = readdirSync(new URL('packages/', root)).sort();

  it('name every package, and only packages that exist', () => {
    expect(Object.keys(LAYERS).sort()).toEqual(packages);
  });

  it.each(packages)(
    "are what packages/%s's package.json depends on, so lint checks the real graph",
    (name) => {
      expect(hookrelayDependencies(`packages/${name}`)).toEqual([...LAYERS[name]!].sort());
    },
  );

  it('let no package depend on an app', () => {
    const apps = readdirSync(new URL('apps/', root));
    for (const name of packages) {
      for (const dependency of hookrelayDependencies(`packages/${name}`))
        expect(apps, `packages/${name} → ${dependency}`).not.toContain(dependency);
    }
  });
});
