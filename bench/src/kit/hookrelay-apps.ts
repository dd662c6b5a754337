/**
 * hookrelay's own processes for the bench: the built ingress and worker (apps/<name>/dist/index.js,
 * run with `node` and HOOKRELAY_CONFIG, as in production) and the config file they share: one
 * `stripe` source (`verify: {type: stripe, secret}`, path /webhooks/stripe), its destination(s) on
 * the bench's backend, `log.level: warn`, free ports on 127.0.0.1. Several ingress or worker
 * processes can run on one config: each is given its own port (the config reads it from
 * HOOKRELAY_BENCH_INGRESS_PORT / HOOKRELAY_BENCH_WORKER_PORT, its own free port by default).
 * Not run on its own.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { deliveryQueueName } from '@hookrelay/queue';
import { freePort } from '@hookrelay/testing';
import { verifyPlugin } from '@hookrelay/verifiers';
import { spawnNode, waitForHttp, type Child } from './processes.js';
import type { Workspace } from './workspace.js';

export const SOURCE = 'stripe';
export const SOURCE_PATH = '/webhooks/stripe';
export const PREFIX = 'bench';
/** A throwaway signing secret, in Stripe's format. */
export const STRIPE_SECRET = 'whsec_hookrelay_bench_0123456789abcdef';

/** One destination of the `stripe` source: its name, the backend path, and the options to test. */
export interface DestinationSpec {
  readonly name: string;
  readonly path: string;
  /** Extra YAML keys of the destination's flow mapping: `orderBy: …`, `rateLimit: {…}`. */
  readonly options?: string;
}

export const ONE_DESTINATION: readonly DestinationSpec[] = [{ name: 'default', path: SOURCE_PATH }];

/** The variables a process's own port comes from, over the config's default. */
const INGRESS_PORT_VAR = 'HOOKRELAY_BENCH_INGRESS_PORT';
const WORKER_PORT_VAR = 'HOOKRELAY_BENCH_WORKER_PORT';

export interface RelayExtras {
  /** More keys of `redis:`, as the body of a YAML flow mapping: `waitForReplicas: 1`. */
  readonly redis?: string;
}

export interface RelaySetup {
  readonly file: string;
  readonly config: HookrelayConfig;
  readonly ingressPort: number;
  readonly workerPort: number;
  /** The BullMQ queue of each destination, `delivery.stripe.<name>`. */
  readonly queues: string[];
}

/** Writes (and validates, so a mistake is one clear error) the config of one relay. */
export async function writeRelayConfig(
  workspace: Workspace,
  redisUrl: string,
  backendUrl: string,
  destinations: readonly DestinationSpec[] = ONE_DESTINATION,
  extras: RelayExtras = {},
): Promise<RelaySetup> {
  const [ingressPort, workerPort] = [await freePort(), await freePort()];
  const destinationYaml = (spec: DestinationSpec) =>
    `{ name: ${spec.name}, url: "${backendUrl}${spec.path}"${spec.options ? `, ${spec.options}` : ''} }`;
  const yaml = `# written by bench/src/kit/hookrelay-apps.ts
redis: { url: "${redisUrl}", prefix: ${PREFIX}${extras.redis ? `, ${extras.redis}` : ''} }
ingress: { port: \${${INGRESS_PORT_VAR}:-${ingressPort}}, host: 127.0.0.1 }
worker: { port: \${${WORKER_PORT_VAR}:-${workerPort}}, host: 127.0.0.1 }
log: { level: warn }
sources:
  ${SOURCE}:
    path: ${SOURCE_PATH}
    verify: { type: stripe, secret: ${STRIPE_SECRET} }
    destinations:
${destinations.map((spec) => `      - ${destinationYaml(spec)}`).join('\n')}
`;
  const config = parseConfig(yaml, {}, { verify: verifyPlugin });
  const file = workspace.file(`hookrelay-${ingressPort}.yaml`);
  writeFileSync(file, yaml);
  return {
    file,
    config,
    ingressPort,
    workerPort,
    queues: destinations.map((spec) => deliveryQueueName(SOURCE, spec.name)),
  };
}

const appEntry = (name: 'ingress' | 'worker') => {
  const entry = fileURLToPath(new URL(`../../../apps/${name}/dist/index.js`, import.meta.url));
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  return entry;
};

function startApp(
  workspace: Workspace,
  name: 'ingress' | 'worker',
  setup: RelaySetup,
  port: number,
): Child {
  return spawnNode(name, appEntry(name), {
    env: {
      HOOKRELAY_CONFIG: setup.file,
      [name === 'ingress' ? INGRESS_PORT_VAR : WORKER_PORT_VAR]: String(port),
    },
    logFile: workspace.logFile(name),
  });
}

/**
 * The ingress process, once its /readyz answers 200 (Redis accepts writes); on `port` (another
 * ingress of the same relay), by default the config's.
 */
export async function startIngress(
  workspace: Workspace,
  setup: RelaySetup,
  port = setup.ingressPort,
): Promise<Child> {
  const child = startApp(workspace, 'ingress', setup, port);
  try {
    await waitForHttp(child, `http://127.0.0.1:${port}/readyz`);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}

/**
 * The worker process, at once: it starts delivering as soon as it can; its /healthz, /readyz and
 * /metrics on `port` (another worker of the same relay), by default the config's.
 */
export function startWorker(
  workspace: Workspace,
  setup: RelaySetup,
  port = setup.workerPort,
): Child {
  return startApp(workspace, 'worker', setup, port);
}

/**
 * Deliveries a worker process made so far (answered 2xx), from its /metrics on `port`
 * (`hookrelay_delivery_attempts_total{outcome="2xx"}` summed over destinations); null when it
 * does not answer.
 */
export async function workerDeliveries(port: number): Promise<number | null> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
    (response) => (response.ok ? response.text() : undefined),
    () => undefined,
  );
  if (text === undefined) return null;
  let sum = 0;
  for (const [, value] of text.matchAll(
    /^hookrelay_delivery_attempts_total\{[^}]*outcome="2xx"[^}]*\} (\S+)$/gm,
  ))
    sum += Number(value);
  return sum;
}
