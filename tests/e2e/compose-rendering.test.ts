import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import {
  composeDocument,
  interpolate,
  renderCompose,
  type RenderedService,
} from './compose-render.js';

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

afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * A project folder with the compose file and the .env `npm start` writes, plus `extra` lines; the
 * services `docker compose --profile <profiles…> up` starts there.
 */
function render(
  extra = '',
  profiles: readonly string[] = [],
): {
  dir: string;
  generated: string[];
  services: Record<string, RenderedService>;
  containers: Record<App, Container>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-compose-'));
  dirs.push(dir);
  copyFileSync(join(root, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
  const generated = ensureLocalEnv(join(dir, '.env'), join(root, '.env.example'));
  appendFileSync(join(dir, '.env'), `\n${extra}\n`);
  const services = renderCompose(dir, {}, profiles);
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
  return { dir, generated, services, containers };
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

const DEFAULT_SERVICES = ['redis', 'ingress', 'worker', 'dashboard', 'demo-backend'];
const PROFILES = {
  monitoring: ['prometheus', 'grafana'],
  sentinel: ['redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3'],
};
const ALL_PROFILES = Object.keys(PROFILES);

/**
 * The Compose Specification's schema, vendored (tests/fixtures/compose-spec/README.md). It is
 * draft-07, Ajv's own draft; its `$schema` spells the draft's address in a form Ajv does not know.
 */
const { $schema: _draft, ...composeSpec } = JSON.parse(
  readFileSync(join(root, 'tests/fixtures/compose-spec/compose-spec.json'), 'utf8'),
) as Record<string, unknown>;
const composeSchema = new Ajv({ allErrors: true, strict: false }).compile(composeSpec);

/** A bind mount's repository path and its target in the container; undefined for a named volume. */
function bindMount(volume: string): { host: string; target: string } | undefined {
  const [host, target] = volume.split(':');
  return host!.startsWith('./') ? { host: host!.slice(2), target: target! } : undefined;
}

/** The repository file mounted at `target` in `service`, or mounted as a folder that holds it. */
function hostFileAt(service: RenderedService, target: string): string | undefined {
  for (const volume of service.volumes) {
    const mount = bindMount(volume);
    if (!mount) continue;
    if (mount.target === target) return mount.host;
    if (target.startsWith(`${mount.target}/`))
      return `${mount.host}${target.slice(mount.target.length)}`;
  }
  return undefined;
}

const repoFile = (path: string) => readFileSync(join(root, path), 'utf8');

describe('the compose profiles', () => {
  it('leave plain docker compose up as it was; each profile adds its own services', () => {
    const { services } = render();
    expect(Object.keys(services)).toEqual(DEFAULT_SERVICES);
    for (const [profile, added] of Object.entries(PROFILES)) {
      const withProfile = render('', [profile]).services;
      expect([profile, Object.keys(withProfile)]).toEqual([
        profile,
        [...DEFAULT_SERVICES, ...added],
      ]);
      for (const name of added) expect(withProfile[name]!.profiles).toEqual([profile]);
    }
    const everything = render('', ALL_PROFILES).services;
    expect(Object.keys(everything).sort()).toEqual(
      [...DEFAULT_SERVICES, ...Object.values(PROFILES).flat()].sort(),
    );
  });

  it('is valid Compose, every profile included, and the schema catches a mistake', () => {
    const { dir } = render();
    type Document = { services: Record<string, Record<string, unknown>> };
    const document = composeDocument(dir) as Document;
    expect(composeSchema(document), JSON.stringify(composeSchema.errors)).toBe(true);
    const rejected = (mutate: (copy: Document) => void) => {
      const copy = structuredClone(document);
      mutate(copy);
      return composeSchema(copy) ? [] : composeSchema.errors!.map((e) => e.instancePath);
    };
    const misspelt = rejected(({ services }) => {
      services.grafana!.profile = services.grafana!.profiles;
    });
    expect(misspelt).toContain('/services/grafana');
    const wrongType = rejected(({ services }) => {
      services['sentinel-1']!.depends_on = 'redis';
    });
    expect(wrongType).toContain('/services/sentinel-1/depends_on');
  });

  it('mounts files of the repository, depends on services it starts, and pins its images', () => {
    const { services } = render('', ALL_PROFILES);
    const published: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes) {
        const mount = bindMount(volume);
        if (mount)
          expect([name, mount.host, existsSync(join(root, mount.host))]).toEqual([
            name,
            mount.host,
            true,
          ]);
      }
      for (const dependency of service.dependsOn) {
        expect([name, dependency, dependency in services]).toEqual([name, dependency, true]);
        // A default service never waits for a profile's: plain `up` would not start it.
        if (!service.profiles.length)
          expect([name, services[dependency]!.profiles]).toEqual([name, []]);
      }
      if (service.profiles.length) {
        expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:[\w.-]+$/)]);
        expect(service.image).not.toMatch(/:latest$/);
        // Only the monitoring UIs are published, and on the host's loopback only.
        for (const port of service.ports) expect([name, port.hostIp]).toEqual([name, '127.0.0.1']);
      }
      published.push(...service.ports.map((port) => `${port.hostIp ?? ''}:${port.published}`));
    }
    expect(published.map((port) => port.split(':')[1])).toEqual([
      ...new Set(published.map((port) => port.split(':')[1])),
    ]);
    for (const name of PROFILES.sentinel) expect([name, services[name]!.ports]).toEqual([name, []]);
  });

  it("has Prometheus scrape each app where it listens, with the dashboard's credentials, and load the alerts", () => {
    const { containers, services } = render('', ['monitoring']);
    const prometheus = services.prometheus!;
    const configPath = prometheus
      .command!.find((arg) => arg.startsWith('--config.file='))!
      .split('=')[1]!;
    expect(hostFileAt(prometheus, configPath)).toBe('deploy/prometheus/prometheus.yml');
    const config = parse(repoFile('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        basic_auth?: { username: string; password_file: string };
        static_configs: { targets: string[] }[];
      }[];
    };
    const scraped = new Map<string, number>();
    for (const job of config.scrape_configs) {
      for (const target of job.static_configs.flatMap((c) => c.targets)) {
        const [host, port] = target.split(':');
        scraped.set(host!, Number(port));
        // Behind the dashboard's auth: the password file is the secret compose fills from .env.
        if (host === 'dashboard') {
          expect(job.basic_auth?.username).toBe(containers.dashboard.config.dashboard.username);
          const secret = prometheus.secrets.find((s) => s.target === job.basic_auth!.password_file);
          const source = (
            composeDocument(root).secrets as Record<string, { environment?: string }>
          )[secret!.source];
          expect(source?.environment).toBe('DASHBOARD_PASSWORD');
        } else expect([job.job_name, job.basic_auth]).toEqual([job.job_name, undefined]);
      }
    }
    expect(Object.fromEntries(scraped)).toEqual({
      ingress: listening(containers.ingress, 'ingress').port,
      worker: listening(containers.worker, 'worker').port,
      dashboard: listening(containers.dashboard, 'dashboard').port,
    });
    expect(config.rule_files.length).toBeGreaterThan(0);
    for (const rules of config.rule_files) {
      const host = hostFileAt(prometheus, posix.resolve(posix.dirname(configPath), rules));
      expect([rules, host && existsSync(join(root, host))]).toEqual([rules, true]);
      const { groups } = parse(repoFile(host!)) as { groups: { rules: { alert: string }[] }[] };
      expect(groups.flatMap((g) => g.rules).length).toBeGreaterThan(0);
    }
  });

  it('provisions Grafana with that Prometheus and the dashboard of deploy/grafana', () => {
    const { services } = render('', ['monitoring']);
    const grafana = services.grafana!;
    const provisioning = (kind: string) => {
      const host = hostFileAt(grafana, `/etc/grafana/provisioning/${kind}`);
      expect([kind, host && statSync(join(root, host)).isDirectory()]).toEqual([kind, true]);
      return host!;
    };
    const datasources = parse(repoFile(`${provisioning('datasources')}/prometheus.yml`)) as {
      datasources: { type: string; url: string; isDefault?: boolean }[];
    };
    const [source] = datasources.datasources;
    expect(source!.type).toBe('prometheus');
    const url = new URL(source!.url);
    expect(url.hostname in services).toBe(true);
    expect(services[url.hostname]!.ports.map((p) => p.target)).toContain(Number(url.port));
    expect(source!.isDefault).toBe(true);

    const providers = parse(repoFile(`${provisioning('dashboards')}/hookrelay.yml`)) as {
      providers: { type: string; options: { path: string } }[];
    };
    const [provider] = providers.providers;
    expect(provider!.type).toBe('file');
    const dashboards = grafana.volumes
      .map(bindMount)
      .filter((mount) => mount && posix.dirname(mount.target) === provider!.options.path);
    expect(dashboards.map((mount) => mount!.host)).toEqual(['deploy/grafana/hookrelay.json']);
    const dashboard = JSON.parse(repoFile('deploy/grafana/hookrelay.json')) as {
      uid: string;
      templating: { list: { type: string; query: string }[] };
    };
    expect(dashboard.uid).toBe('hookrelay');
    // The dashboard picks its data source by type: the provisioned one is the default of that type.
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ type: 'datasource', query: source!.type }),
    );
    const home = grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(hostFileAt(grafana, home)).toBe('deploy/grafana/hookrelay.json');
    // Anonymous visitors only view; the admin password comes from .env.
    expect(grafana.environment.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
    const withPassword = render('GRAFANA_ADMIN_PASSWORD=s3cret-enough', ['monitoring']).services;
    expect(withPassword.grafana!.environment.GF_SECURITY_ADMIN_PASSWORD).toBe('s3cret-enough');
  });

  it('runs a replica of redis and 3 Sentinels that the apps switch to through .env', () => {
    const sentinelEnv = [
      'REDIS_SENTINELS=sentinel-1:26379,sentinel-2:26379,sentinel-3:26379',
      'REDIS_SENTINEL_NAME=mymaster',
      'REDIS_WAIT_FOR_REPLICAS=1',
    ].join('\n');
    const { services, containers } = render(sentinelEnv, ['sentinel']);
    const durability = services.redis!.command!.filter((arg) => arg !== '--save' && arg !== '');
    const replica = services['redis-replica']!.command!;
    expect(replica.join(' ')).toContain('--replicaof redis 6379');
    expect(replica.join(' ')).toContain(durability.slice(1).join(' '));

    const conf = repoFile('deploy/redis/sentinel.conf')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'));
    const at = (directive: string) => conf.findIndex((line) => line.startsWith(directive));
    const monitor = conf[at('sentinel monitor ')]!.split(/\s+/);
    const [, , masterName, masterHost, masterPort, quorum] = monitor;
    expect([masterHost, masterPort]).toEqual(['redis', '6379']);
    // Compose's addresses change with each container: Sentinel must resolve and give out names.
    expect(at('sentinel resolve-hostnames yes')).toBeGreaterThanOrEqual(0);
    expect(at('sentinel resolve-hostnames yes')).toBeLessThan(at('sentinel monitor '));
    expect(at('sentinel announce-hostnames yes')).toBeGreaterThanOrEqual(0);
    expect(replica.join(' ')).toContain('--replica-announce-ip redis-replica');
    const port = Number(conf[at('port ')]!.split(/\s+/)[1]);

    const sentinels = Object.entries(services).filter(([name]) => name.startsWith('sentinel-'));
    expect(Number(quorum)).toBeGreaterThan(sentinels.length / 2);
    expect(Number(quorum)).toBeLessThanOrEqual(sentinels.length);
    for (const [name, service] of sentinels) {
      const script = service.command!.join(' ');
      const template = service.volumes
        .map(bindMount)
        .find((m) => m?.host === 'deploy/redis/sentinel.conf');
      // A writable copy of the read-only template, announcing the Sentinel by its service name.
      expect([name, script.includes(`cat ${template!.target}`)]).toEqual([name, true]);
      expect([name, service.environment.SENTINEL_ANNOUNCE]).toEqual([name, name]);
      expect(script).toContain('echo "sentinel announce-ip $SENTINEL_ANNOUNCE"');
      expect(script).toMatch(/redis-server \/data\/sentinel\.conf --sentinel/);
      expect(service.healthcheck!.test).toEqual(expect.arrayContaining(['-p', String(port)]));
    }

    for (const app of ['ingress', 'worker', 'dashboard'] as const) {
      const { redis } = containers[app].config;
      expect([app, redis.name, redis.waitForReplicas]).toEqual([app, masterName, 1]);
      expect(redis.sentinels).toEqual(sentinels.map(([name]) => `${name}:${port}`));
    }
  });
});
