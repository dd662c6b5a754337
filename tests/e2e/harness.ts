import { Queue } from 'bullmq';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { createDemoBackend, type DemoBackend } from '@hookrelay/demo-backend';
import { createServer } from '@hookrelay/ingress';
import { createLogger } from '@hookrelay/logger';
import {
  createRedis,
  deliveryQueueName,
  EventInbox,
  InboxKeys,
  Intake,
  openDeliveryQueues,
  type RedisClient,
} from '@hookrelay/queue';
import {
  freePort,
  listen,
  LogCapture,
  startTestRedis,
  waitFor,
  type Listening,
  type TestRedis,
} from '@hookrelay/testing';
import {
  createRegistry,
  deliveryMetrics,
  ingressMetrics,
  inboxMetrics,
  queueMetrics,
  type Registry,
} from '@hookrelay/metrics';
import { breakerGuards, startDeliveryWorkers, type DeliveryWorkers } from '@hookrelay/worker';
import { REDACTED_HEADERS } from '@hookrelay/verifiers';

export const STRIPE_SECRET = 'whsec_test_stripe_secret_for_hookrelay';
export const RELAY_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export interface Relay {
  readonly config: HookrelayConfig;
  readonly redis: TestRedis;
  readonly ingress: Listening;
  readonly backend: DemoBackend & { readonly url: string };
  readonly logs: LogCapture;
  /** The ingress's and the worker's metric registries, as their /metrics would show them. */
  readonly metrics: { readonly ingress: Registry; readonly worker: Registry };
  workers?: DeliveryWorkers;
  /** A Queue handle for inspecting one destination's jobs. */
  queue(source: string, destination?: string): Queue;
  startWorkers(): DeliveryWorkers;
  /**
   * Resolves once every acknowledged event is a delivery job (docs/inbox.md: the intake writes them
   * a moment after the 202): what a test checks about jobs right after a POST waits for this.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface RelayOptions {
  /** The sources: block and anything else, as YAML; `${BACKEND_URL}` points at the test backend. */
  readonly yaml: string;
  readonly env?: Record<string, string>;
  /** Start the delivery workers right away (default true). */
  readonly workers?: boolean;
  readonly redis?: TestRedis;
}

/** Real Redis, the real ingress and worker in this process, and the demo backend, all on loopback. */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const redis = options.redis ?? (await startTestRedis());
  const backendPort = await freePort();
  const env = {
    REDIS_URL: redis.url,
    BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    ...options.env,
  };
  const config = parseConfig(`redis: { url: \${REDIS_URL}, prefix: test }\n${options.yaml}`, env, {
    verify: verifyPlugin,
  });
  const logs = new LogCapture();
  const logger = createLogger({
    app: 'ingress',
    stream: logs,
    level: 'debug',
    redactKeys: REDACTED_HEADERS,
  });
  const workerLogger = createLogger({
    app: 'worker',
    stream: logs,
    level: 'debug',
    redactKeys: REDACTED_HEADERS,
  });

  const demo = createDemoBackend({ signingSecret: config.signing.secret });
  const backendServer = await listen(demo.app, backendPort);
  const producer = createRedis(config.redis, 'producer', 'test-ingress');
  producer.on('error', () => undefined);
  const consumer = createRedis(config.redis, 'consumer', 'test-worker');
  consumer.on('error', () => undefined);
  await new Promise<void>((resolve) =>
    producer.status === 'ready' ? resolve() : producer.once('ready', () => resolve()),
  );
  // As the ingress and worker processes do (docs/inbox.md): the ingress writes the inbox, an intake
  // — here one for the whole relay, whether its workers run or not — writes the delivery jobs.
  const enqueuer = new EventInbox(config, producer);
  const ingressRegistry = createRegistry('ingress');
  const workerRegistry = createRegistry('worker');
  const ingress = await listen(
    createServer({
      config,
      enqueuer,
      redis: producer,
      logger,
      metrics: { registry: ingressRegistry, ingress: ingressMetrics(ingressRegistry) },
    }),
  );
  const metricQueues = openDeliveryQueues(config, consumer);
  queueMetrics(workerRegistry, metricQueues, consumer);
  const intake = new Intake({
    config,
    connection: consumer,
    log: workerLogger,
    onError: (error) => workerLogger.warn('intake queue error', { reason: error.message }),
    onWritten: inboxMetrics(workerRegistry, consumer, config.redis.prefix),
  });
  const workerDeliveryMetrics = deliveryMetrics(workerRegistry);
  const queues = new Map<string, Queue>();
  const inspector: RedisClient = createRedis(config.redis, 'consumer', 'test-inspector');
  inspector.on('error', () => undefined);

  const relay: Relay = {
    config,
    redis,
    ingress,
    backend: { ...demo, url: backendServer.url },
    logs,
    metrics: { ingress: ingressRegistry, worker: workerRegistry },
    queue(source, destination = 'default') {
      const name = deliveryQueueName(source, destination);
      let queue = queues.get(name);
      if (!queue) {
        queue = new Queue(name, { connection: inspector, prefix: config.redis.prefix });
        queues.set(name, queue);
      }
      return queue;
    },
    async settled() {
      const keys = new InboxKeys(config.redis.prefix);
      await waitFor(
        async () =>
          (await inspector.llen(keys.inbox())) + (await inspector.llen(keys.taking())) === 0
            ? true
            : undefined,
        { what: 'the inbox to be written as jobs' },
      );
    },
    startWorkers() {
      relay.workers = startDeliveryWorkers({
        intake: false,
        config,
        connection: consumer,
        logger: workerLogger,
        metrics: workerDeliveryMetrics,
        guardFor: breakerGuards({
          redis: consumer,
          prefix: config.redis.prefix,
          logger: workerLogger,
          metrics: workerDeliveryMetrics,
        }),
      });
      return relay.workers;
    },
    async close() {
      await intake.close();
      await relay.workers?.close();
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      await Promise.allSettled(metricQueues.map(({ queue }) => queue.close()));
      await ingress.close();
      await enqueuer.close().catch(() => undefined);
      await backendServer.close();
      for (const client of [producer, consumer, inspector]) client.disconnect();
      if (!options.redis) await redis.cleanup();
    },
  };
  if (options.workers !== false) relay.startWorkers();
  return relay;
}

/** POSTs a webhook to the relay's ingress; an accepted one is a delivery job when this resolves. */
export async function post(
  relay: Relay,
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${relay.ingress.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  // An accepted event becomes its jobs a moment after the 202 (docs/inbox.md); what the tests check
  // next is about those jobs, so the answer is handed over once they are written.
  if (response.status === 202) await relay.settled();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}
