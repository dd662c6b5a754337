import { Router } from 'express';
import type { RedisClient } from '@hookrelay/queue';

const PING_TIMEOUT_MS = 500;

/** Resolves true when Redis answers PING in time. */
export async function redisReachable(redis: RedisClient): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  const ping = redis.ping().then(
    () => true,
    () => false,
  );
  return Promise.race([ping, timeout]).finally(() => clearTimeout(timer));
}

/** GET /healthz (process alive) and GET /readyz (Redis reachable). */
export function healthRoutes(
  redis: RedisClient,
  extraReadiness: () => boolean = () => true,
): Router {
  const router = Router();
  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/readyz', async (_request, response) => {
    const ready = (await redisReachable(redis)) && extraReadiness();
    response
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'unavailable', redis: ready });
  });
  return router;
}
