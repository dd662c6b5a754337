import type { Express } from 'express';

export interface RouteEntry {
  readonly method: string;
  readonly path: string;
}

interface Layer {
  readonly rawPath?: string | RegExp | (string | RegExp)[];
  readonly route?: { readonly path: string | string[]; readonly methods: Record<string, boolean> };
  readonly handle: { readonly stack?: Layer[] };
}

const joinPath = (prefix: string, path: string) => `${prefix.replace(/\/$/, '')}${path}` || '/';

/** Every route and mounted static/middleware path of an Express 5 app, walking nested routers. */
export function routeTable(app: Express): RouteEntry[] {
  const entries: RouteEntry[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const method of Object.keys(layer.route.methods))
            entries.push({ method: method.toUpperCase(), path: joinPath(prefix, path) });
        }
      } else if (layer.handle.stack) {
        walk(
          layer.handle.stack,
          joinPath(prefix, typeof layer.rawPath === 'string' ? layer.rawPath : ''),
        );
      } else if (typeof layer.rawPath === 'string' && layer.rawPath !== '/') {
        // A middleware mounted on a path (static files): GET anything below it.
        entries.push({ method: 'GET', path: joinPath(prefix, `${layer.rawPath}/`) });
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return entries;
}

/** A concrete URL path for a route pattern: `:params` filled with a sample value. */
export function concretePath(pattern: string): string {
  return pattern.replace(/:(\w+)\??/g, 'sample-$1').replace(/\*\w*/g, 'sample');
}
