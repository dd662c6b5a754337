import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import type { IConfigMap, IContainer, IPodSpec, ISecret, IService } from 'kubernetes-models/v1';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1';

/*
 * deploy/k8s against the Kubernetes API's own schemas, without a cluster: every object is checked
 * by the schema of its kind (kubernetes-models, generated from Kubernetes' OpenAPI spec), strictly
 * (a field the schema does not know is an error, as `kubectl apply --validate=strict` would say),
 * then the references between the objects and to hookrelay's config are followed.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const k8s = `${root}deploy/k8s/`;

/** The kinds deploy/k8s may hold, each with its schema; anything else is an error. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Throws the schema's complaints about `object`, or about its kind being unknown. */
function validate(object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`unknown kind ${object.apiVersion}/${object.kind}`);
  new Model(object as never).validate();
}

const valid = (object: K8sObject) => {
  try {
    validate(object);
    return true;
  } catch {
    return false;
  }
};

/** A value no field of the Kubernetes API accepts: not a string, number, boolean, object or list of those. */
const POISON = [[[]]];

/**
 * The paths of the fields of `object` that its schema does not know. The generated validators, like
 * the OpenAPI spec, let unknown fields through (so does `kubectl apply` without strict validation,
 * which then drops them: a misspelt `readinessProbes:` would silently be no probe). A field is known
 * when the schema rejects a value no field accepts there; an unknown field's value is never looked at.
 */
function unknownFields(object: K8sObject): string[] {
  const unknown: string[] = [];
  const visit = (node: unknown, path: (string | number)[]) => {
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, [...path, i]));
    else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        const poisoned = structuredClone(object);
        let at = poisoned as Record<string | number, unknown>;
        for (const step of path) at = at[step] as Record<string | number, unknown>;
        at[key] = POISON;
        if (valid(poisoned)) unknown.push([...path, key].join('.'));
        else visit((node as Record<string, unknown>)[key], [...path, key]);
      }
    }
  };
  visit(object, []);
  return unknown;
}

const yamlFiles = (readdirSync(k8s, { recursive: true }) as string[])
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();

function documentsOf(file: string): unknown[] {
  return parseAllDocuments(readFileSync(`${k8s}${file}`, 'utf8')).map((document) => {
    if (document.errors.length) throw new Error(`${file}: ${document.errors[0]!.message}`);
    return document.toJS() as unknown;
  });
}

const kustomization = parse(readFileSync(`${k8s}kustomization.yaml`, 'utf8')) as {
  apiVersion: string;
  kind: string;
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
};
/** Shipped for their shape only (placeholder values), never applied by `kubectl apply -k`. */
const examples = yamlFiles.filter((file) => /\.example\.ya?ml$/.test(file));
const manifests = yamlFiles.filter((file) => file !== 'kustomization.yaml');
const objects = manifests.flatMap((file) =>
  documentsOf(file).map((object) => ({ file, object: object as K8sObject })),
);
const applied = objects.filter(({ file }) => kustomization.resources.includes(file));

const ofKind = <T>(kind: string) =>
  applied.filter(({ object }) => object.kind === kind).map(({ object }) => object as T & K8sObject);
const deployments = ofKind<IDeployment>('Deployment');
const services = ofKind<IService>('Service');
const pdbs = ofKind<IPodDisruptionBudget>('PodDisruptionBudget');
const hpas = ofKind<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler');
const configMaps = ofKind<IConfigMap>('ConfigMap');
const exampleSecrets = objects
  .filter(({ file, object }) => examples.includes(file) && object.kind === 'Secret')
  .map(({ object }) => object as ISecret & K8sObject);

const APPS = ['ingress', 'worker', 'dashboard'] as const;
type App = (typeof APPS)[number];

const podSpec = (deployment: IDeployment): IPodSpec => deployment.spec!.template.spec!;
const containerOf = (deployment: IDeployment): IContainer => podSpec(deployment).containers[0]!;
const appOf = (deployment: IDeployment) =>
  containerOf(deployment).env?.find((e) => e.name === 'APP')?.value;
const deploymentOf = (app: App) => {
  const found = deployments.filter((d) => appOf(d) === app);
  expect(
    found.map((d) => d.metadata!.name),
    app,
  ).toHaveLength(1);
  return found[0]!;
};
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);
const podsSelectedBy = (selector: Record<string, string>) =>
  deployments.filter((d) => matches(selector, d.spec!.template.metadata?.labels));

/** The container's port a probe or a Service names: by name or by number. */
function declaredPort(container: IContainer, port: number | string | undefined) {
  return container.ports?.find((p) => p.name === port || p.containerPort === port);
}

/** The environment a Deployment's container gets: its env, then what envFrom brings. */
function environmentOf(deployment: IDeployment): Record<string, string> {
  const container = containerOf(deployment);
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const from = source.configMapRef
      ? configMaps.find((c) => c.metadata!.name === source.configMapRef!.name)?.data
      : exampleSecrets.find((s) => s.metadata!.name === source.secretRef?.name)?.stringData;
    expect(from, JSON.stringify(source)).toBeDefined();
    Object.assign(env, from);
  }
  for (const { name, value, valueFrom } of container.env ?? []) {
    expect(valueFrom, name).toBeUndefined();
    env[name] = value ?? '';
  }
  return env;
}

/** hookrelay.yaml as the container mounts it at /app/hookrelay.yaml, from a ConfigMap. */
function mountedConfigText(deployment: IDeployment): string {
  const mount = containerOf(deployment).volumeMounts?.find(
    (m) => m.mountPath === '/app/hookrelay.yaml',
  );
  expect(mount?.readOnly).toBe(true);
  const volume = podSpec(deployment).volumes?.find((v) => v.name === mount!.name);
  const configMap = configMaps.find((c) => c.metadata!.name === volume?.configMap?.name);
  const text = configMap?.data?.[mount!.subPath!];
  expect(text, `${deployment.metadata!.name}: /app/hookrelay.yaml`).toBeTypeOf('string');
  return text!;
}

const configOf = (app: App): HookrelayConfig => {
  const deployment = deploymentOf(app);
  return parseConfig(mountedConfigText(deployment), environmentOf(deployment), {
    verify: verifyPlugin,
  });
};

/** Seconds a container's preStop hook holds the pod before SIGTERM. */
function preStopSeconds(container: IContainer): number {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep) return Number(preStop.sleep.seconds);
  const [command, seconds] = preStop.exec?.command ?? [];
  expect(command).toBe('sleep');
  return Number(seconds);
}

/** The shutdown timeout of the ingress and the dashboard: onShutdown's default. */
const defaultShutdownSeconds =
  Number(
    /timeoutMs = ([\d_]+)/
      .exec(readFileSync(`${root}packages/service-kit/src/shutdown.ts`, 'utf8'))![1]!
      .replace(/_/g, ''),
  ) / 1000;

describe('deploy/k8s against the Kubernetes schemas', () => {
  it('holds only objects of known kinds, each valid for its schema with no unknown field', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const { file, object } of objects) {
      const name = `${file}: ${object.kind}/${object.metadata?.name}`;
      expect(() => validate(object), name).not.toThrow();
      expect([name, unknownFields(object)]).toEqual([name, []]);
    }
  });

  it('catches what is wrong: a wrong type, a missing field, an unknown field, an unknown kind', () => {
    const deployment = structuredClone(deploymentOf('ingress')) as IDeployment & K8sObject;
    expect(() => validate(deployment)).not.toThrow();

    const wrongType = structuredClone(deployment);
    (containerOf(wrongType).ports![0] as { containerPort: unknown }).containerPort = 'http';
    expect(() => validate(wrongType)).toThrow(/containerPort must be integer/);

    const wrongReplicas = structuredClone(hpas[0]!) as K8sObject & {
      spec: { minReplicas: unknown };
    };
    wrongReplicas.spec.minReplicas = 'two';
    expect(() => validate(wrongReplicas)).toThrow(/minReplicas must be integer/);

    const missing = structuredClone(deployment);
    delete (podSpec(missing) as { containers?: unknown }).containers;
    expect(() => validate(missing)).toThrow(/containers/);

    const misspelt = structuredClone(deployment);
    const container = containerOf(misspelt) as IContainer & { readinessProbes?: unknown };
    container.readinessProbes = container.readinessProbe;
    delete container.readinessProbe;
    expect(() => validate(misspelt)).not.toThrow();
    expect(unknownFields(misspelt)).toEqual(['spec.template.spec.containers.0.readinessProbes']);

    expect(() => validate({ ...deployment, apiVersion: 'extensions/v1beta1' })).toThrow(
      'unknown kind extensions/v1beta1/Deployment',
    );
  });

  it('is what kustomization.yaml applies, except the example Secret, and sets the one image', () => {
    expect([kustomization.apiVersion, kustomization.kind]).toEqual([
      'kustomize.config.k8s.io/v1beta1',
      'Kustomization',
    ]);
    expect(examples).toEqual(['secret.example.yaml']);
    expect([...kustomization.resources].sort()).toEqual(
      manifests.filter((file) => !examples.includes(file)),
    );
    // No Secret is applied: kubectl apply -k must never replace real secrets with placeholders.
    expect(applied.filter(({ object }) => object.kind === 'Secret')).toEqual([]);
    for (const secret of exampleSecrets)
      expect(Object.values(secret.stringData ?? {}).join(' ')).toMatch(/CHANGE_ME/);
    const images = new Set(deployments.map((d) => containerOf(d).image));
    expect([...images]).toEqual(kustomization.images!.map((image) => image.name));
    // One image for every app, picked by APP as the Dockerfile's ENTRYPOINT reads it; no Redis here.
    expect(readFileSync(`${root}Dockerfile`, 'utf8')).toMatch(/exec node apps\/\$APP\/dist/);
    expect(deployments.map(appOf).sort()).toEqual([...APPS].sort());
    for (const app of APPS) expect(existsSync(`${root}apps/${app}/src/index.ts`)).toBe(true);
  });
});

describe('deploy/k8s cross-references', () => {
  it('selects, with each Deployment, Service and PodDisruptionBudget, the pods it means', () => {
    for (const d of deployments)
      expect(matches(d.spec!.selector.matchLabels!, d.spec!.template.metadata?.labels)).toBe(true);
    for (const service of services) {
      const name = service.metadata!.name!;
      const [target, ...others] = podsSelectedBy(service.spec!.selector!);
      expect([name, others.length, target?.metadata?.name]).toEqual([name, 0, expect.any(String)]);
      for (const port of service.spec!.ports!)
        expect(declaredPort(containerOf(target!), port.targetPort), name).toBeDefined();
    }
    expect(pdbs.map((pdb) => podsSelectedBy(pdb.spec!.selector!.matchLabels!).map(appOf))).toEqual(
      expect.arrayContaining([['ingress'], ['worker']]),
    );
    for (const pdb of pdbs)
      expect(podsSelectedBy(pdb.spec!.selector!.matchLabels!)).toHaveLength(1);
  });

  it('scales the ingress Deployment on CPU, from at least 2 replicas', () => {
    const ingress = deploymentOf('ingress');
    expect(hpas).toHaveLength(1);
    const [hpa] = hpas;
    expect(hpa!.spec!.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: ingress.metadata!.name,
    });
    expect(hpa!.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(ingress.spec!.replicas).toBeGreaterThanOrEqual(2);
    expect(hpa!.spec!.metrics!.map((m) => m.resource?.name)).toEqual(['cpu']);
    // Utilization is a share of the request: without one the HPA cannot compute it.
    expect(containerOf(ingress).resources?.requests?.cpu).toBeDefined();
  });

  it('probes /readyz and /healthz on the port each app listens on, and declares that port', () => {
    for (const app of APPS) {
      const container = containerOf(deploymentOf(app));
      const config = configOf(app);
      const listening = {
        ingress: config.ingress,
        worker: config.worker,
        dashboard: config.dashboard,
      }[app];
      expect([app, listening.host]).toEqual([app, '0.0.0.0']);
      expect([app, container.ports!.map((p) => p.containerPort)]).toEqual([app, [listening.port]]);
      const ready = container.readinessProbe?.httpGet;
      const alive = container.livenessProbe?.httpGet;
      expect([app, ready?.path, alive?.path]).toEqual([app, '/readyz', '/healthz']);
      expect(declaredPort(container, ready?.port)?.containerPort).toBe(listening.port);
      expect(declaredPort(container, alive?.port)?.containerPort).toBe(listening.port);
    }
  });

  it('lets each app finish its shutdown before Kubernetes kills it', () => {
    const shutdown: Record<App, number> = {
      ingress: defaultShutdownSeconds,
      dashboard: defaultShutdownSeconds,
      worker: configOf('worker').worker.shutdownTimeoutMs / 1000,
    };
    expect(defaultShutdownSeconds).toBe(30);
    for (const app of APPS) {
      const deployment = deploymentOf(app);
      const grace = podSpec(deployment).terminationGracePeriodSeconds!;
      const budget = preStopSeconds(containerOf(deployment)) + shutdown[app];
      expect([app, grace > budget]).toEqual([app, true]);
    }
    expect(preStopSeconds(containerOf(deploymentOf('ingress')))).toBeGreaterThan(0);
  });

  it('gives every app the variables its config needs, and none it does not read', () => {
    for (const app of APPS) {
      const deployment = deploymentOf(app);
      const text = mountedConfigText(deployment);
      const env = environmentOf(deployment);
      const references = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)];
      const required = references.filter(([, , fallback]) => fallback === undefined);
      expect(required.length).toBeGreaterThan(0);
      for (const [, name] of required) expect([app, name, name! in env]).toEqual([app, name, true]);
      const referenced = new Set(references.map(([, name]) => name));
      for (const name of Object.keys(env))
        if (name !== 'APP') expect([app, name, referenced.has(name)]).toEqual([app, name, true]);
      // It parses, with the example Secret's placeholders, with hookrelay's own config parser.
      expect(() => configOf(app)).not.toThrow();
    }
    const secretsOf = (app: App) =>
      (containerOf(deploymentOf(app)).envFrom ?? []).flatMap((s) => s.secretRef?.name ?? []);
    // The dashboard's credentials reach the dashboard only, which refuses to start without one.
    expect(secretsOf('dashboard')).toContain('hookrelay-dashboard');
    expect(secretsOf('ingress')).not.toContain('hookrelay-dashboard');
    expect(secretsOf('worker')).not.toContain('hookrelay-dashboard');
    expect(configOf('dashboard').dashboard.password).toBeTruthy();
    expect(configOf('ingress').dashboard.password).toBeFalsy();
  });

  it('runs Redis from the environment: REDIS_URL, or Sentinels with WAIT for replicas', () => {
    const deployment = deploymentOf('ingress');
    const text = mountedConfigText(deployment);
    const env = environmentOf(deployment);
    const single = parseConfig(text, env, { verify: verifyPlugin });
    expect(single.redis.url).toBe(env.REDIS_URL);
    expect(single.redis.sentinels).toBeUndefined();
    const sentinel = parseConfig(
      text,
      {
        ...env,
        REDIS_SENTINELS: 'sentinel-0.sentinel:26379,sentinel-1.sentinel:26379',
        REDIS_SENTINEL_NAME: 'mymaster',
        REDIS_WAIT_FOR_REPLICAS: '1',
      },
      { verify: verifyPlugin },
    );
    expect(sentinel.redis).toMatchObject({
      sentinels: ['sentinel-0.sentinel:26379', 'sentinel-1.sentinel:26379'],
      name: 'mymaster',
      waitForReplicas: 1,
    });
  });

  it('keeps the dashboard inside the cluster and every pod locked down', () => {
    const dashboard = services.find((s) =>
      podsSelectedBy(s.spec!.selector!).includes(deploymentOf('dashboard')),
    );
    expect(dashboard?.spec?.type).toBe('ClusterIP');
    expect(objects.map(({ object }) => object.kind)).not.toContain('Ingress');
    for (const deployment of deployments) {
      const name = deployment.metadata!.name;
      const pod = podSpec(deployment);
      const container = containerOf(deployment);
      expect([name, pod.securityContext?.runAsNonRoot, pod.securityContext?.runAsUser]).toEqual([
        name,
        true,
        1000,
      ]);
      expect([name, container.securityContext]).toMatchObject([
        name,
        {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
      ]);
      expect([name, pod.enableServiceLinks, pod.automountServiceAccountToken]).toEqual([
        name,
        false,
        false,
      ]);
      const { requests, limits } = container.resources ?? {};
      expect([name, Object.keys(requests ?? {}).sort(), Object.keys(limits ?? {}).sort()]).toEqual([
        name,
        ['cpu', 'memory'],
        ['cpu', 'memory'],
      ]);
      const annotations = deployment.spec!.template.metadata?.annotations ?? {};
      if (annotations['prometheus.io/scrape'] === 'true') {
        expect(declaredPort(container, Number(annotations['prometheus.io/port']))).toBeDefined();
        expect(annotations['prometheus.io/path']).toBe('/metrics');
      }
    }
    // runAsUser 1000 is the image's user `node` (node images), which owns /app.
    expect(readFileSync(`${root}Dockerfile`, 'utf8')).toMatch(/^USER node$/m);
    expect(readFileSync(`${root}Dockerfile`, 'utf8')).toMatch(/^WORKDIR \/app$/m);
  });
});
