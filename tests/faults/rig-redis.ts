import type { RedisServer } from '@hookrelay/redis-server';
import {
  startRedisCluster,
  startSentinelRedis,
  startTestRedis,
  type ReplicatedRedis,
} from '@hookrelay/testing';

/**
 * The Redis a fault scenario runs on, chosen in one place: one durable redis-server (the default),
 * a master + replica watched by 3 sentinels, or a 3-master Cluster with a replica each.
 */
export type RedisTopology = 'single' | 'sentinel' | 'cluster';

export interface RedisChoice {
  readonly topology: RedisTopology;
  /** `redis.waitForReplicas`: the ingress answers 202 once Redis WAIT confirms this many replicas. */
  readonly waitForReplicas?: number;
}

/** The rig's Redis, whichever topology: the apps' `redis:` config, and what faults act on. */
export interface RigRedis {
  readonly topology: RedisTopology;
  /** Key prefix: hash-tagged on Cluster, so that every key of hookrelay's lives in one slot. */
  readonly prefix: string;
  /** The `redis:` entry of hookrelay.yaml. */
  readonly yaml: string;
  /** Environment the yaml refers to. */
  readonly env: Record<string, string>;
  /** The one redis-server (single topology only: the redis-restart scenario stops and starts it). */
  readonly server: RedisServer;
  /** The master(s) and replicas (sentinel and cluster only). */
  readonly replicated: ReplicatedRedis;
  /**
   * SIGSTOPs the process holding the rig's keys now (the server, or the master of the prefix's
   * slot); resolves with what sends it SIGCONT.
   */
  freezePrimary(): Promise<() => void>;
  /** Stops every process and removes its files. */
  cleanup(): Promise<void>;
}

function freezePid(pid: number | undefined): () => void {
  if (pid === undefined) throw new Error('redis-server is not running');
  process.kill(pid, 'SIGSTOP');
  return () => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // killed meanwhile
    }
  };
}

const unavailable = (what: string, topology: RedisTopology) =>
  new Error(`${what}: not on a ${topology} Redis`);

export async function startRigRedis(choice: RedisChoice, singlePrefix: string): Promise<RigRedis> {
  const waitForReplicas = choice.waitForReplicas
    ? `, waitForReplicas: ${choice.waitForReplicas}`
    : '';
  if (choice.topology === 'single') {
    const redis = await startTestRedis();
    return {
      topology: 'single',
      prefix: singlePrefix,
      yaml: `redis: { url: "\${REDIS_URL}", prefix: ${singlePrefix}${waitForReplicas} }`,
      env: { REDIS_URL: redis.url },
      server: redis.server,
      get replicated(): ReplicatedRedis {
        throw unavailable('replicas', 'single');
      },
      freezePrimary: async () => freezePid(redis.server.pid),
      cleanup: () => redis.cleanup(),
    };
  }
  const list = (items: readonly string[]) => `[${items.map((item) => `"${item}"`).join(', ')}]`;
  let replicated: ReplicatedRedis;
  let nodes: string;
  if (choice.topology === 'sentinel') {
    const sentinel = await startSentinelRedis();
    replicated = sentinel;
    nodes = `sentinels: ${list(sentinel.sentinelAddresses)}, name: ${sentinel.masterName}`;
  } else {
    const cluster = await startRedisCluster();
    replicated = cluster;
    nodes = `cluster: ${list(cluster.urls)}`;
  }
  // Cluster: `{hookrelay}` hashes every key to the slot of `hookrelay` (scripts touch several).
  const prefix = choice.topology === 'cluster' ? '{hookrelay}' : 'hookrelay';
  return {
    topology: choice.topology,
    prefix,
    yaml: `redis: { ${nodes}, prefix: "${prefix}"${waitForReplicas} }`,
    env: {},
    get server(): RedisServer {
      throw unavailable('the single redis-server', choice.topology);
    },
    replicated,
    async freezePrimary() {
      // Through the node, so that the topology knows not to ask it anything while it is frozen.
      const master = await replicated.masterOf(prefix);
      master.freeze();
      return () => master.thaw();
    },
    cleanup: () => replicated.cleanup(),
  };
}
