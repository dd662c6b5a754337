import { Redis, Cluster, type RedisOptions } from 'ioredis';
import { maskUrlPassword, type RedisConfig } from '@hookrelay/config';

export type RedisClient = Redis | Cluster;

/** Where Redis is (one node's URL, Cluster seed nodes, or Sentinels and the master's name); the rest may be left out. */
export type RedisAddress = Pick<RedisConfig, 'url'> & Partial<RedisConfig>;

/**
 * `producer`: fails fast while Redis is away (no offline queue), so the ingress can answer 503 at once.
 * `consumer`: waits and reconnects forever, as BullMQ workers need (maxRetriesPerRequest: null).
 */
export type ConnectionRole = 'producer' | 'consumer';

function roleOptions(role: ConnectionRole): RedisOptions {
  return role === 'producer'
    ? { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2_000 }
    : { enableOfflineQueue: true, maxRetriesPerRequest: null };
}

function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `redis://${address}`);
  return { host: url.hostname, port: Number(url.port || 6379) };
}

/** The Redis address without its password, for messages and logs. */
export function describeRedis(config: RedisAddress): string {
  if (config.cluster?.length) return `cluster ${config.cluster.join(', ')}`;
  if (config.sentinels?.length)
    return `sentinels ${config.sentinels.join(', ')} (${config.name ?? ''})`;
  return maskUrlPassword(config.url, '***');
}

export function createRedis(
  config: RedisAddress,
  role: ConnectionRole,
  name = 'hookrelay',
): RedisClient {
  const options: RedisOptions = {
    ...roleOptions(role),
    connectionName: name,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    lazyConnect: false,
    // Commands issued in the same tick leave in one write: fewer syscalls under load, same round trip.
    enableAutoPipelining: role === 'producer',
  };
  const password = config.password || undefined;
  if (config.cluster?.length) {
    return new Cluster(config.cluster.map(hostPort), {
      redisOptions: { ...options, password },
      enableOfflineQueue: options.enableOfflineQueue,
    });
  }
  if (config.sentinels?.length) {
    return new Redis({
      ...options,
      sentinels: config.sentinels.map(hostPort),
      name: config.name,
      // Follow the sentinels' +switch-master at once. Without it a master that stalls (frozen,
      // cut off) keeps its clients through the failover, and they go back to it when it answers
      // again: acknowledging writes on a second master until the sentinels demote it, about 10 s
      // later, and its data is replaced (tests/faults: seen with the master SIGSTOPped 4 s).
      failoverDetector: true,
      password,
      sentinelPassword: config.sentinelPassword || undefined,
    });
  }
  return new Redis(config.url, options);
}

/**
 * A new connection to the same Redis for a blocking read (XREAD BLOCK holds its connection), that
 * queues its commands until it is connected, whatever `client`'s role.
 */
export function blockingCopyOf(client: RedisClient): RedisClient {
  return client instanceof Cluster
    ? client.duplicate(undefined, { enableOfflineQueue: true })
    : client.duplicate({ enableOfflineQueue: true });
}

/**
 * A new connection to the same Redis whose commands fail when the connection drops, instead of
 * waiting for it to come back: ioredis otherwise sends unanswered and queued commands again once it
 * has reconnected, and after a failover they run on the new master, which never saw what came
 * before them (the intake's "done" for a batch whose jobs the old master took with it).
 */
export function failFastCopyOf(client: RedisClient): RedisClient {
  const failFast = {
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  } satisfies RedisOptions;
  return client instanceof Cluster
    ? client.duplicate(undefined, {
        enableOfflineQueue: false,
        redisOptions: { ...client.options.redisOptions, ...failFast },
      })
    : client.duplicate({ ...failFast, enableOfflineQueue: false });
}
