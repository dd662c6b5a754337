import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readDotenv } from '@hookrelay/config';

/**
 * What `docker compose config` resolves for each service, for tests (there is no engine here):
 * YAML merge keys; `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?…}`, `$VAR` and `$$`
 * interpolated from the shell environment over the project's `.env`; each service's environment
 * from its env_file files, then its `environment` on top (which wins); short port syntax split;
 * only the services the active profiles start (those without `profiles:` always).
 */
export interface RenderedService {
  readonly environment: Record<string, string>;
  readonly ports: { hostIp?: string; published: number; target: number }[];
  readonly healthcheck?: { test: string[] };
  readonly profiles: string[];
  readonly image?: string;
  readonly command?: string[];
  /** As written: `./host/path:/container/path:ro` or `volume-name:/container/path`. */
  readonly volumes: string[];
  readonly dependsOn: string[];
  readonly secrets: { source: string; target?: string }[];
}

type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE =
  /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export function interpolate(text: string, env: Env): string {
  return text.replace(
    REFERENCE,
    (
      _m,
      dollar?: string,
      braced?: string,
      colon?: string,
      op?: string,
      word = '',
      bare?: string,
    ) => {
      if (dollar) return '$';
      const name = (braced ?? bare)!;
      const value = env[name];
      const missing = value === undefined || (colon === ':' && value === '');
      if (op === '?' && missing) throw new Error(`required variable ${name}: ${word}`);
      return missing && op === '-' ? word : (value ?? '');
    },
  );
}

function interpolateTree(node: unknown, env: Env): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateTree(item, env));
  if (node !== null && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env)]));
  return node;
}

interface ServiceText {
  environment?: Record<string, unknown> | string[];
  env_file?: string | (string | { path: string; required?: boolean })[];
  ports?: string[];
  healthcheck?: { test: string[] };
  profiles?: string[];
  image?: string;
  command?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
  secrets?: (string | { source: string; target?: string })[];
}

/** What compose interpolates with: the shell's environment over the project's `.env`. */
const projectEnv = (projectDir: string, shellEnv: Env): Env => ({
  ...readDotenv(join(projectDir, '.env')),
  ...shellEnv,
});

/** The compose file of `projectDir` as compose reads it: merge keys resolved, variables interpolated. */
export function composeDocument(projectDir: string, shellEnv: Env = {}): Record<string, unknown> {
  const env = projectEnv(projectDir, shellEnv);
  const text = readFileSync(join(projectDir, 'docker-compose.yml'), 'utf8');
  return interpolateTree(parse(text, { merge: true }), env) as Record<string, unknown>;
}

function ownEnvironment(environment: ServiceText['environment'], env: Env) {
  const entries = Array.isArray(environment)
    ? environment.map((line) => [
        line.split('=')[0]!,
        line.includes('=') ? line.slice(line.indexOf('=') + 1) : null,
      ])
    : Object.entries(environment ?? {});
  const values: Record<string, string> = {};
  for (const [name, value] of entries) {
    // `KEY:` with no value takes the shell's value, and is left out when the shell has none.
    const resolved = value === null || value === undefined ? env[name as string] : String(value);
    if (resolved !== undefined) values[name as string] = resolved;
  }
  return values;
}

function port(spec: string): RenderedService['ports'][number] {
  const parts = spec.split(':');
  const target = Number(parts.pop());
  const published = Number(parts.pop() ?? target);
  return { ...(parts.length ? { hostIp: parts[0] } : {}), published, target };
}

/**
 * The services of the compose file in `projectDir`, as compose renders them with `shellEnv`, that
 * `docker compose --profile <each of profiles> up` starts.
 */
export function renderCompose(
  projectDir: string,
  shellEnv: Env = {},
  profiles: readonly string[] = [],
): Record<string, RenderedService> {
  const env = projectEnv(projectDir, shellEnv);
  const tree = composeDocument(projectDir, shellEnv) as { services: Record<string, ServiceText> };
  const active = Object.entries(tree.services).filter(
    ([, service]) =>
      !service.profiles?.length || service.profiles.some((p) => profiles.includes(p)),
  );
  return Object.fromEntries(
    active.map(([name, service]) => {
      const files = [service.env_file ?? []]
        .flat()
        .map((file) => (typeof file === 'string' ? { path: file, required: true } : file));
      const fromFiles: Record<string, string> = {};
      for (const file of files) {
        const path = join(projectDir, file.path);
        if (!existsSync(path) && file.required === false) continue;
        if (!existsSync(path)) throw new Error(`${name}: env_file ${file.path} not found`);
        Object.assign(fromFiles, readDotenv(path));
      }
      const rendered: RenderedService = {
        environment: { ...fromFiles, ...ownEnvironment(service.environment, env) },
        ports: (service.ports ?? []).map(port),
        healthcheck: service.healthcheck,
        profiles: service.profiles ?? [],
        image: service.image,
        command: service.command,
        volumes: service.volumes ?? [],
        dependsOn: Array.isArray(service.depends_on)
          ? service.depends_on
          : Object.keys(service.depends_on ?? {}),
        secrets: (service.secrets ?? []).map((secret) =>
          typeof secret === 'string' ? { source: secret } : secret,
        ),
      };
      return [name, rendered];
    }),
  );
}
