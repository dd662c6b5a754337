import { rmSync } from 'node:fs';
import type { HookrelayConfig } from '@hookrelay/config';
import { createRedis, type ConnectionRole, type RedisClient } from '@hookrelay/queue';
import { startTestRedis, type TestRedis } from '@hookrelay/testing';
import { track } from './processes.js';

/** A client made as the apps make theirs, its `error` events ignored (a bench reports counts). */
export function quietRedis(
  config: HookrelayConfig['redis'],
  role: ConnectionRole,
  name: string,
): RedisClient {
  const client = createRedis(config, role, name);
  client.on('error', () => undefined);
  return client;
}

/** Resolves once the client is connected and ready for commands. */
export async function ready(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}

/** One numeric field (`used_memory`…) of the text INFO answered; throws when it is absent. */
export function infoField(info: string, field: string): number {
  const match = new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info);
  if (!match) throw new Error(`INFO has no ${field}`);
  return Number(match[1]);
}

/** CPU seconds Redis has used so far, user and system, every thread (one INFO cpu). */
export async function redisCpuSeconds(client: RedisClient): Promise<number> {
  const info = String(await client.call('INFO', 'cpu'));
  return infoField(info, 'used_cpu_user') + infoField(info, 'used_cpu_sys');
}

/**
 * A fresh redis-server (@hookrelay/testing's startTestRedis: a free port, its own temporary
 * directory, AOF with appendfsync always as in production); `cleanup()` stops it and removes its
 * directory, as killAll() does on SIGINT.
 */
export async function startRedis(): Promise<TestRedis> {
  const redis = await startTestRedis();
  const untrack = track({
    killNow: () => {
      const pid = redis.server.pid;
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(redis.server.options.dir, { recursive: true, force: true });
    },
  });
  return {
    ...redis,
    async cleanup() {
      untrack();
      await redis.cleanup();
    },
  };
}
