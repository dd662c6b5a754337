/**
 * Package boundaries, checked by `npm run lint` (dependency-cruiser over every workspace's src/):
 * a package imports only the packages its line in package-layers.cjs allows, nothing imports an app
 * but the end-to-end tests and the benchmarks, no cycles, every npm import declared.
 */
const { LAYERS } = require('./package-layers.cjs');

const others = (allowed) => `^packages/(?!(${allowed.join('|') || '(?!)'})/)[^/]+/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make load order and layering impossible to reason about.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'apps-are-not-libraries',
      severity: 'error',
      comment:
        'Only tests/ and bench/ may import an app; apps and packages share code through packages/.',
      from: { path: '^(apps|packages)/([^/]+)/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$2/' },
    },
    ...Object.entries(LAYERS).map(([name, allowed]) => ({
      name: `layer-${name}`,
      severity: 'error',
      comment: `packages/${name} may import only: ${allowed.join(', ') || 'no other package'}.`,
      from: { path: `^packages/${name}/` },
      to: { path: others([name, ...allowed]) },
    })),
    {
      name: 'declared-dependencies-only',
      severity: 'error',
      comment:
        "An import of a package its workspace's package.json does not list works only by hoisting luck.",
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-unknown-package',
      severity: 'error',
      comment: 'A new package gets its line in LAYERS above.',
      from: { path: `^packages/(?!(${Object.keys(LAYERS).join('|')})/)` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|test|node_modules)/|\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      conditionNames: ['source', 'import', 'types', 'default'],
      exportsFields: ['exports'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
