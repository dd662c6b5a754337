import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig, readDotenv } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: { path: string }[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const example = readDotenv(`${root}.env.example`);
const config = parseConfig(
  read('hookrelay.yaml'),
  { ...example, STRIPE_WEBHOOK_SECRET: 'whsec_x', PAYMENT_WEBHOOK_SECRET: 'x', NOTIFY_TOKEN: 'x' },
  { verify: verifyPlugin },
);

describe('docker-compose.yml', () => {
  it('runs Redis 7 durable, without eviction, on a volume, with a health check', () => {
    const redis = compose.services.redis!;
    expect(redis.image).toMatch(/^redis:7/);
    expect(redis.command).toEqual(
      expect.arrayContaining([
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--maxmemory-policy',
        'noeviction',
      ]),
    );
    const [volume] = redis.volumes!;
    expect(Object.keys(compose.volumes)).toContain(volume!.split(':')[0]);
    expect(redis.healthcheck?.test).toContain('ping');
  });

  it('runs every app from one image, each app existing and waiting for a healthy Redis', () => {
    for (const name of ['ingress', 'worker', 'dashboard', 'demo-backend']) {
      const service = compose.services[name]!;
      expect(service.build).toBe('.');
      expect(service.environment?.APP).toBe(name);
      expect(existsSync(`${root}apps/${name}/src/index.ts`)).toBe(true);
      expect(service.depends_on?.redis?.condition).toBe('service_healthy');
      expect(service.environment?.REDIS_URL).toBe('redis://redis:6379');
    }
  });

  it('publishes the ports the apps listen on by default', () => {
    const published = (name: string) =>
      compose.services[name]!.ports!.map((p) => Number(p.split(':').at(-1)));
    expect(published('ingress')).toEqual([config.ingress.port]);
    expect(published('worker')).toEqual([config.worker.port]);
    expect(published('dashboard')).toEqual([config.dashboard.port]);
    expect(compose.services.dashboard!.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:/)]);
    expect(published('demo-backend')).toEqual([config.demoBackend.port]);
  });

  it('names only files that exist and variables that .env.example or hookrelay.yaml know', () => {
    const text = read('docker-compose.yml');
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const host = volume.split(':')[0]!;
        if (host.startsWith('./')) expect(existsSync(`${root}${host.slice(2)}`), host).toBe(true);
      }
    }
    const yamlVariables = new Set(
      [...read('hookrelay.yaml').matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]),
    );
    for (const [, name] of text.matchAll(/\$\{([A-Z_]+)/g)) {
      expect(name! in example || yamlVariables.has(name), name).toBe(true);
    }
    for (const service of ['ingress', 'worker', 'dashboard', 'demo-backend']) {
      for (const name of Object.keys(compose.services[service]!.environment ?? {})) {
        if (name !== 'APP') expect(yamlVariables.has(name), name).toBe(true);
      }
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('copies only paths that exist and runs as a non-root user', () => {
    for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$/gm)) {
      for (const source of sources!.split(' '))
        expect(existsSync(`${root}${source}`), source).toBe(true);
    }
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('copies every workspace, so npm ci inside the image sees the lock file whole', () => {
    const { workspaces } = JSON.parse(read('package.json')) as { workspaces: string[] };
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$/gm)].flatMap(
      ([, s]) => s!.split(' '),
    );
    for (const workspace of workspaces) {
      const folder = workspace.replace('/*', '');
      expect(
        copied.some((path) => path === folder || path === `${folder}/package.json`),
        workspace,
      ).toBe(true);
    }
  });

  it('execs node so SIGTERM reaches it', () => {
    expect(dockerfile).toMatch(/ENTRYPOINT \[.*exec node apps\/\$APP\/dist\/index\.js/);
  });
});
