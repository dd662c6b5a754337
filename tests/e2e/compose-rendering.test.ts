import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { interpolate, renderCompose, type RenderedService } from './compose-render.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// npm start's own code writes the .env (packages/stack is a program, not a library: loaded by path).
const { ensureLocalEnv } = (await import(
  new URL('../../packages/stack/src/local-env.ts', import.meta.url).href
)) as { ensureLocalEnv: (envPath: string, examplePath: string) => string[] };

const APPS = ['ingress', 'worker', 'dashboard', 'demo-backend'] as const;
type App = (typeof APPS)[number];
const dirs: string[] = [];

interface Container {
  readonly service: RenderedService;
  /** The config the app loads inside its container: hookrelay.yaml over its environment. */
  readonly config: HookrelayConfig;
}

/** A project folder with the compose file and the .env `npm start` writes, plus `extra` lines. */
function render(extra = ''): { generated: string[]; containers: Record<App, Container> } {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-compose-'));
  dirs.push(dir);
  copyFileSync(join(root, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
  const generated = ensureLocalEnv(join(dir, '.env'), join(root, '.env.example'));
  appendFileSync(join(dir, '.env'), `\n${extra}\n`);
  const services = renderCompose(dir);
  const yaml = readFileSync(join(root, 'hookrelay.yaml'), 'utf8');
  const containers = Object.fromEntries(
    APPS.map((app) => {
      const service = services[app]!;
      return [
        app,
        { service, config: parseConfig(yaml, service.environment, { verify: verifyPlugin }) },
      ];
    }),
  ) as Record<App, Container>;
  return { generated, containers };
}

/** The port each app listens on in its container, and on which address. */
const listening = ({ config }: Container, app: App) =>
  ({
    ingress: config.ingress,
    worker: config.worker,
    dashboard: config.dashboard,
    'demo-backend': config.demoBackend,
  })[app];

const healthUrl = ({ service }: Container) =>
  new URL(/'(http:\/\/[^']+)'/.exec(service.healthcheck!.test.join(' '))![1]!);

describe('the compose rendering, with the .env that npm start writes', () => {
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('points every service at the others by their compose names, never at its own loopback', () => {
    const { generated, containers } = render();
    expect(generated).toContain('DASHBOARD_PASSWORD');
    const backend = containers['demo-backend'].config.demoBackend.port;
    for (const app of APPS) {
      const { service, config } = containers[app];
      const redis = new URL(config.redis.url);
      expect([app, redis.hostname, redis.port]).toEqual([app, 'redis', '6379']);
      const destinations = config.sources.flatMap((source) =>
        source.destinations.map((d) => d.url),
      );
      expect(destinations.length).toBeGreaterThan(0);
      for (const url of destinations)
        expect([app, new URL(url).host]).toEqual([app, `demo-backend:${backend}`]);
      for (const [name, value] of Object.entries(service.environment)) {
        if (name.endsWith('_URL'))
          expect(`${app} ${name}=${value}`).not.toMatch(/127\.0\.0\.1|localhost/);
      }
    }
    // The dashboard gets the password .env holds, so it starts (it refuses to run without one).
    expect(containers.dashboard.config.dashboard.password).toMatch(/.{12,}/);
  });

  it('has each app listen where its health check and its published port look', () => {
    const { containers } = render();
    for (const app of APPS) {
      const { port, host } = listening(containers[app], app);
      const health = healthUrl(containers[app]);
      expect([app, host, health.port, health.pathname]).toEqual([
        app,
        '0.0.0.0',
        String(port),
        '/readyz',
      ]);
      expect([app, containers[app].service.ports.map((p) => p.target)]).toEqual([app, [port]]);
    }
    expect(containers.dashboard.service.ports[0]!.hostIp).toBe('127.0.0.1');
    expect(containers['demo-backend'].service.ports[0]!.hostIp).toBe('127.0.0.1');
  });

  it("lets .env's ports and hosts move only what the host publishes, and DOCKER_BACKEND_URL pick the backend", () => {
    const { containers } = render(
      [
        'PORT=8080',
        'DASHBOARD_PORT=8081',
        'WORKER_PORT=8082',
        'DEMO_BACKEND_PORT=8084',
        'DASHBOARD_HOST=127.0.0.1',
        'DEMO_BACKEND_HOST=127.0.0.1',
        'REDIS_URL=redis://127.0.0.1:6390',
        'DOCKER_BACKEND_URL=https://backend.example.com',
      ].join('\n'),
    );
    const published = { ingress: 8080, dashboard: 8081, worker: 8082, 'demo-backend': 8084 };
    const inContainer = { ingress: 3000, dashboard: 3001, worker: 3002, 'demo-backend': 4000 };
    for (const app of APPS) {
      const { port, host } = listening(containers[app], app);
      const [mapping] = containers[app].service.ports;
      expect([app, mapping!.published, mapping!.target, port, host]).toEqual([
        app,
        published[app],
        inContainer[app],
        inContainer[app],
        '0.0.0.0',
      ]);
      expect(healthUrl(containers[app]).port).toBe(String(inContainer[app]));
      expect(containers[app].config.redis.url).toBe('redis://redis:6379');
      expect(containers[app].config.sources[0]!.destinations[0]!.url).toMatch(
        /^https:\/\/backend\.example\.com\//,
      );
    }
  });

  it('interpolates like compose: ${X:-d} on unset or empty, ${X-d} on unset only, $$ a dollar', () => {
    const env = { EMPTY: '', SET: 'v' };
    expect(
      interpolate('${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:-d} $SET $$SET ${UNSET}', env),
    ).toBe('d  d v v $SET ');
    expect(() => interpolate('${UNSET:?needed}', env)).toThrow('required variable UNSET');
  });
});
