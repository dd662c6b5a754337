import { Router } from 'express';

/** What the health checks use of a Redis client; ioredis's Redis and Cluster both fit. */
export interface RedisProbe {
  readonly status: string;
  ping(): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<unknown>;
}

const PROBE_TIMEOUT_MS = 500;
/** Long enough to outlive any poll interval, so the probe key is nearly always already there. */
const PROBE_TTL_MS = 60_000;

/** Resolves `fallback` when `promise` has not settled within the probe timeout. */
function withinTimeout<T>(promise: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), PROBE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves true when Redis answers PING in time. */
export async function redisReachable(redis: RedisProbe): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  const ping = redis.ping().then(
    () => true,
    () => false,
  );
  return withinTimeout(ping, false);
}

export type RedisWriteCheck =
  { readonly ok: true } | { readonly ok: false; readonly reason: string };

const UNREACHABLE: RedisWriteCheck = { ok: false, reason: 'redis unreachable' };

/** Redis's own error code (OOM, READONLY, MISCONF, NOREPLICAS…), never the rest of the message. */
function refusal(error: unknown): RedisWriteCheck {
  if (error instanceof Error && error.name === 'ReplyError') {
    const code = /^[A-Z]+\b/.exec(error.message)?.[0];
    return { ok: false, reason: code ? `redis refuses writes (${code})` : 'redis refuses writes' };
  }
  return UNREACHABLE;
}

/**
 * Whether Redis would accept a write now. PING alone answers under `maxmemory` with noeviction,
 * while every enqueue fails with OOM; a write is the only check that also catches a read-only
 * replica after a failover (READONLY), failing persistence (MISCONF) and missing replicas
 * (NOREPLICAS), where reading INFO memory would catch OOM alone.
 *
 * `SET <probe key> 1 NX PX …`: Redis runs those checks before executing any write command, yet
 * once the key exists NX makes the command a no-op — nothing reaches the AOF or the replicas, so
 * polling /readyz costs one round trip, and a real write about once per PROBE_TTL_MS.
 */
export async function redisAcceptsWrites(
  redis: RedisProbe,
  probeKey: string,
): Promise<RedisWriteCheck> {
  if (redis.status !== 'ready') return UNREACHABLE;
  const write = redis
    .set(probeKey, '1', 'PX', PROBE_TTL_MS, 'NX')
    .then((): RedisWriteCheck => ({ ok: true }), refusal);
  return withinTimeout(write, UNREACHABLE);
}

export interface HealthOptions {
  /** The configured Redis key prefix; the readiness probe key lives under it. */
  readonly keyPrefix: string;
  /** Whatever else the service needs (the worker: consuming): why it is not ready, or undefined. */
  readonly notReadyBecause?: () => string | undefined;
  /**
   * Why the service takes traffic although not all is well (the ingress spooling while Redis is
   * away, docs/spool.md), given whether Redis accepts writes; undefined when it is not degraded.
   * Degraded answers 200, so that load balancers keep sending.
   */
  readonly degradedBecause?: (redisWritable: boolean) => string | undefined;
}

/**
 * GET /healthz (process alive) and GET /readyz (Redis accepts writes, and nothing else is amiss).
 * A 503 says why in a fixed phrase: no Redis address, key or error text reaches the body.
 */
export function healthRoutes(redis: RedisProbe, options: HealthOptions): Router {
  const probeKey = `${options.keyPrefix}:readyz:write-probe`;
  const router = Router();
  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/readyz', async (_request, response) => {
    const write = await redisAcceptsWrites(redis, probeKey);
    const reason = write.ok ? options.notReadyBecause?.() : write.reason;
    const degraded = options.degradedBecause?.(write.ok);
    if (degraded !== undefined)
      response.json({ status: 'degraded', redis: write.ok, reason: degraded });
    else if (reason === undefined) response.json({ status: 'ready', redis: true });
    else response.status(503).json({ status: 'unavailable', redis: write.ok, reason });
  });
  return router;
}
