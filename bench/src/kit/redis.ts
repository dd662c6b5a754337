import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
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

/**
 * A second fresh redis-server (durable, as startRedis) made a replica of `primary` (`REPLICAOF`),
 * once the primary counts it connected and it has loaded the primary's data: what
 * `redis.waitForReplicas` waits for.
 */
export async function startReplicaOf(primary: TestRedis, timeoutMs = 20_000): Promise<TestRedis> {
  const replica = await startRedis();
  const primaryClient = new Redis(primary.url, { lazyConnect: false });
  const replicaClient = new Redis(replica.url, { lazyConnect: false });
  for (const client of [primaryClient, replicaClient]) client.on('error', () => undefined);
  try {
    await replicaClient.call('REPLICAOF', '127.0.0.1', String(primary.server.options.port));
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const replicaInfo = String(await replicaClient.call('INFO', 'replication'));
      const primaryInfo = String(await primaryClient.call('INFO', 'replication'));
      if (
        /^master_link_status:up/m.test(replicaInfo) &&
        /^master_sync_in_progress:0/m.test(replicaInfo) &&
        infoField(primaryInfo, 'connected_slaves') >= 1
      )
        return replica;
      if (performance.now() > deadline)
        throw new Error(`the replica did not sync with its primary within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await replica.cleanup();
    throw error;
  } finally {
    primaryClient.disconnect();
    replicaClient.disconnect();
  }
}

/** LLEN of `key` on the Redis at `url` (a replica is read the same way). */
export async function listLength(url: string, key: string): Promise<number> {
  const client = new Redis(url);
  client.on('error', () => undefined);
  try {
    return await client.llen(key);
  } finally {
    client.disconnect();
  }
}

/**
 * Resolves once the replica at `replicaUrl` has applied everything the primary at `primaryUrl` had
 * written when this was called (its replication offset caught up); false after `timeoutMs`.
 */
export async function replicaCaughtUp(
  primaryUrl: string,
  replicaUrl: string,
  timeoutMs: number,
): Promise<boolean> {
  const primary = new Redis(primaryUrl);
  const replica = new Redis(replicaUrl);
  for (const client of [primary, replica]) client.on('error', () => undefined);
  try {
    const offset = (info: string) => infoField(info, 'master_repl_offset');
    const target = offset(String(await primary.call('INFO', 'replication')));
    const deadline = performance.now() + timeoutMs;
    while (offset(String(await replica.call('INFO', 'replication'))) < target) {
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  } finally {
    primary.disconnect();
    replica.disconnect();
  }
}

/** How many times the Redis at `url` ran `command` (`wait`, `evalsha`…), from INFO commandstats. */
export async function commandCalls(url: string, command: string): Promise<number> {
  const client = new Redis(url);
  client.on('error', () => undefined);
  try {
    const stats = String(await client.call('INFO', 'commandstats'));
    return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}
