import type { Bound } from './processes.js';

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** A URL for this machine to reach an app at the address it bound: a wildcard is reached on loopback. */
export function localUrl({ host, port }: Bound): string {
  const reachable = WILDCARDS.has(host) ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export interface BannerFacts {
  /** What each app reported it bound, by app name. */
  readonly bound: ReadonlyMap<string, Bound>;
  readonly sourcePaths: readonly string[];
  readonly dashboardNote: string;
}

/** What npm start prints once every app has confirmed it is listening (README "The two commands"). */
export function bannerLines({ bound, sourcePaths, dashboardNote }: BannerFacts): string[] {
  const url = (app: string) => {
    const address = bound.get(app);
    if (!address) throw new Error(`no address for ${app}`);
    return localUrl(address);
  };
  return [
    `ingress      ${url('ingress')}  (sources: ${sourcePaths.join(', ')})`,
    `worker       ${url('worker')}/healthz`,
    `dashboard    ${url('dashboard')}/  (${dashboardNote})`,
    `demo backend ${url('demo-backend')}/deliveries`,
    'Ctrl-C stops everything.',
  ];
}

/** The last line of a Ctrl-C that stopped the embedded Redis: where the events it held still are. */
export function redisStoppedLine(dataDir: string): string {
  return `redis stopped; its data is kept in ${dataDir}`;
}
