import { rmSync } from 'node:fs';
import type { RedisNode } from './redis-node.js';

/**
 * What a failover test needs of a replicated Redis, Sentinel or Cluster alike: the master holding a
 * key and its replica (to kill, freeze), the failover awaited, the old master started again.
 */
export interface ReplicatedRedis {
  readonly kind: 'sentinel' | 'cluster';
  /** Every data node (not the sentinels). */
  readonly nodes: readonly RedisNode[];
  /** The master holding `key` now, as the topology says (the sentinels, the cluster's slot map). */
  masterOf(key: string): Promise<RedisNode>;
  /** The replica of `master`. */
  replicaOf(master: RedisNode): Promise<RedisNode>;
  /**
   * Waits until another node has taken over from `oldMaster` (dead or frozen) and the topology
   * agrees on it; resolves with the new master.
   */
  waitForFailover(oldMaster: RedisNode, timeoutMs?: number): Promise<RedisNode>;
  /**
   * Starts a killed node again on its own data and waits until it replicates the current master
   * and is in sync: an old master comes back as a replica.
   */
  restart(node: RedisNode): Promise<void>;
  /** Kills every process and removes every file, whatever state they are in. */
  cleanup(): Promise<void>;
}

/** SIGKILLs every node (frozen ones too: SIGKILL needs no SIGCONT), then removes `dir`. */
export async function removeNodes(nodes: readonly RedisNode[], dir: string): Promise<void> {
  await Promise.allSettled(nodes.map((node) => node.kill()));
  rmSync(dir, { recursive: true, force: true });
}
