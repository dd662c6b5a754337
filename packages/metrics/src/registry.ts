import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry per app process, with Node's default process metrics and an `app` label on everything. */
export function createRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry, prefix: 'hookrelay_' });
  return registry;
}
