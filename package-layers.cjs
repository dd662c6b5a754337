/**
 * The package layers, written down once: each package under packages/ and the other packages it may
 * import. `npm run lint` checks the imports against it (.dependency-cruiser.cjs) and a test checks
 * each package.json's @hookrelay dependencies equal it (tests/e2e/package-layers.test.ts).
 */
exports.LAYERS = {
  // leaves
  units: [],
  logger: [],
  'redis-server': [],
  spool: [],
  // one job each, on top of the leaves
  verifiers: ['units'],
  config: ['units', 'logger'],
  'service-kit': ['logger'],
  queue: ['config'],
  metrics: ['queue', 'service-kit'],
  ops: ['config', 'queue', 'units'],
  testing: ['redis-server'],
  stack: ['config', 'logger', 'redis-server', 'service-kit', 'verifiers'],
  cli: ['config', 'ops', 'verifiers'],
};
