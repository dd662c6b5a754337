import { join } from 'node:path';
import {
  isListening,
  MISSING_REDIS_MESSAGE,
  RedisServer,
  redisBinary,
} from '@hookrelay/redis-server';

export type RedisChoice =
  | { readonly kind: 'external'; readonly url: string }
  | { readonly kind: 'embedded'; readonly server: RedisServer }
  | { readonly kind: 'missing'; readonly message: string };

/** docs/contract.md §2: REDIS_URL if set; else whatever answers on 6379; else a durable redis-server under .data/redis. */
export async function chooseRedis(
  redisUrl: string | undefined,
  root: string,
): Promise<RedisChoice> {
  if (redisUrl) return { kind: 'external', url: redisUrl };
  if (await isListening(6379)) return { kind: 'external', url: 'redis://127.0.0.1:6379' };
  if (!redisBinary()) return { kind: 'missing', message: MISSING_REDIS_MESSAGE };
  const server = new RedisServer({
    port: 6379,
    dir: join(root, '.data', 'redis'),
    durable: true,
    detached: true,
  });
  await server.start();
  return { kind: 'embedded', server };
}
