import { providerFor } from '@hookrelay/verifiers';
import type { RawConfig } from './schema.js';
import type { DestinationConfig, HookrelayConfig, RetryPolicy, SourceConfig } from './types.js';

type RawRetry = RawConfig['defaults']['retry'];
type RawSource = RawConfig['sources'][string];

const BUILT_IN_RETRY: RetryPolicy = {
  attempts: 10,
  backoff: 'exponential',
  delayMs: 1_000,
  maxDelayMs: 3_600_000,
  jitter: 0.2,
};

function mergeRetry(base: RetryPolicy, override: RawRetry | undefined): RetryPolicy {
  if (!override) return base;
  return {
    attempts: override.attempts ?? base.attempts,
    backoff: override.backoff ?? base.backoff,
    delayMs: override.delay ?? base.delayMs,
    maxDelayMs: override.maxDelay ?? base.maxDelayMs,
    jitter: override.jitter ?? base.jitter,
  };
}

function resolveSource(name: string, raw: RawSource, config: RawConfig): SourceConfig {
  const defaultRetry = mergeRetry(BUILT_IN_RETRY, config.defaults.retry);
  const sourceRetry = mergeRetry(defaultRetry, raw.retry);
  const rawDestinations =
    raw.destinations ??
    (raw.destination ? [{ ...raw.destination, name: raw.destination.name ?? 'default' }] : []);
  const destinations: DestinationConfig[] = rawDestinations.map((d, i) => ({
    name: d.name ?? `d${i + 1}`,
    url: d.url,
    format: d.format,
    headers: Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k.toLowerCase(), v])),
    timeoutMs: d.timeout ?? raw.timeout ?? config.defaults.timeout,
    retry: mergeRetry(sourceRetry, d.retry),
  }));
  const provider = providerFor(raw.verify.type);
  const fallbackPath = `/webhooks/${name}`;
  const paths = raw.path && raw.path !== fallbackPath ? [raw.path, fallbackPath] : [fallbackPath];
  return {
    name,
    paths,
    bodyLimit: raw.bodyLimit ?? config.ingress.bodyLimit,
    verify: raw.verify,
    event: raw.event,
    format: raw.format ?? provider.bodyFormat ?? 'json',
    dedupeContent: raw.dedupe.content ?? provider.replayGuard === 'content',
    destinations,
    log: raw.log,
  };
}

/** Turns the validated file into the shape every app uses: defaults applied, durations in ms. */
export function resolveConfig(raw: RawConfig): HookrelayConfig {
  return {
    redis: raw.redis,
    ingress: {
      port: raw.ingress.port,
      host: raw.ingress.host,
      bodyLimit: raw.ingress.bodyLimit,
      enqueueTimeoutMs: raw.ingress.enqueueTimeout,
      trustProxy: raw.ingress.trustProxy,
      headersTimeoutMs: raw.ingress.headersTimeout,
      requestTimeoutMs: raw.ingress.requestTimeout,
      maxConnections: raw.ingress.maxConnections,
    },
    dashboard: raw.dashboard,
    worker: {
      port: raw.worker.port,
      host: raw.worker.host,
      concurrency: raw.worker.concurrency,
      shutdownTimeoutMs: raw.worker.shutdownTimeout,
      lockDurationMs: raw.worker.lockDuration,
    },
    demoBackend: raw.demoBackend,
    signing: { secret: raw.signing.secret || undefined },
    log: raw.log,
    retention: {
      deliveredMs: raw.retention.delivered,
      deadMs: raw.retention.dead,
      dedupeMs: raw.retention.dedupe,
    },
    sources: Object.entries(raw.sources).map(([name, source]) => resolveSource(name, source, raw)),
  };
}
