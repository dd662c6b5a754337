import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import { redisCommand, type RedisReply } from './redis-command.js';
import { RedisNode } from './redis-node.js';
import { removeNodes, type ReplicatedRedis } from './replicated-redis.js';
import { waitFor } from './wait-for.js';

export const SENTINEL_MASTER_NAME = 'mymaster';
/** Sentinels that must agree the master is down before a failover: 2 of the 3. */
const QUORUM = 2;
/** Unanswered this long, a node is down for a sentinel: failovers start within about 2 s. */
const DOWN_AFTER_MS = 1_000;

/** A flat [field, value, …] reply (SENTINEL MASTER) as a map. */
function pairs(reply: RedisReply): Map<string, string> {
  const list = Array.isArray(reply) ? reply.map(String) : [];
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < list.length; i += 2) fields.set(list[i]!, list[i + 1]!);
  return fields;
}

/**
 * A master, its replica and 3 sentinels watching them (quorum 2), each process with its own port,
 * directory and config file. hookrelay's config for it: `sentinels: sentinelAddresses`,
 * `name: mymaster`.
 */
export class SentinelRedis implements ReplicatedRedis {
  readonly kind = 'sentinel';
  readonly masterName = SENTINEL_MASTER_NAME;

  constructor(
    /** The data nodes: the first master, then its replica (their roles change with failovers). */
    readonly nodes: readonly RedisNode[],
    readonly sentinels: readonly RedisNode[],
    private readonly dir: string,
  ) {}

  /** `host:port` of each sentinel, as hookrelay's `redis.sentinels` takes them. */
  get sentinelAddresses(): string[] {
    return this.sentinels.map((sentinel) => sentinel.address);
  }

  /**
   * The master as a quorum of the sentinels names it now (SENTINEL GET-MASTER-ADDR-BY-NAME, what
   * ioredis asks); throws while they disagree or too few answer.
   */
  async currentMaster(): Promise<RedisNode> {
    const answers = await Promise.allSettled(
      this.sentinels
        .filter((sentinel) => sentinel.running)
        .map((sentinel) =>
          redisCommand(
            sentinel.port,
            ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName],
            1_000,
          ),
        ),
    );
    const votes = new Map<string, number>();
    for (const answer of answers)
      if (answer.status === 'fulfilled' && Array.isArray(answer.value))
        votes.set(String(answer.value[1]), (votes.get(String(answer.value[1])) ?? 0) + 1);
    const [port, count] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    const node = this.nodes.find((candidate) => String(candidate.port) === port);
    if (!node || count < QUORUM)
      throw new Error(`sentinels do not agree on a master: ${JSON.stringify([...votes])}`);
    return node;
  }

  masterOf(): Promise<RedisNode> {
    return this.currentMaster();
  }

  async replicaOf(master: RedisNode): Promise<RedisNode> {
    const replica = this.nodes.find((node) => node !== master);
    if (!replica) throw new Error('no replica');
    return replica;
  }

  async waitForFailover(oldMaster: RedisNode, timeoutMs = 30_000): Promise<RedisNode> {
    return waitFor(
      async () => {
        const master = await this.currentMaster();
        if (master === oldMaster) return undefined;
        // The sentinels name it once promoted; it must also say so itself (it takes writes).
        const role = (await master.info('replication')).get('role');
        return role === 'master' ? master : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `sentinels to fail over from ${oldMaster.name}` },
    );
  }

  /**
   * Started as a replica of the master the sentinels name now, rather than left to them: they
   * would turn an old master into a replica only at their next INFO of it (every 10 s), and until
   * then it would be a second master, with its old data.
   */
  async restart(node: RedisNode): Promise<void> {
    const master = await this.currentMaster();
    if (master === node) {
      await node.start();
      return;
    }
    await node.start(['--replicaof', '127.0.0.1', String(master.port)]);
    await waitFor(() => node.replicates(master), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: `${node.name} in sync with ${master.name}`,
    });
  }

  async cleanup(): Promise<void> {
    await removeNodes([...this.sentinels, ...this.nodes], this.dir);
  }
}

/**
 * Starts the master and its replica (durable), waits until the replica is in sync, then the 3
 * sentinels, and waits until each sees the master, its replica and the 2 other sentinels: a
 * failover is possible from then on. Everything is removed if any step fails.
 */
export async function startSentinelRedis(): Promise<SentinelRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-sentinel-'));
  const dataNode = async (name: string) =>
    new RedisNode({ name, port: await freePort(), dir: join(dir, name), config: [] });
  const master = await dataNode('node-a');
  const replica = await dataNode('node-b');
  const sentinels: RedisNode[] = [];
  for (let i = 1; i <= 3; i++) {
    const port = await freePort();
    sentinels.push(
      new RedisNode({
        name: `sentinel-${i}`,
        port,
        dir: join(dir, `sentinel-${i}`),
        sentinel: true,
        config: [
          `port ${port}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${master.port} ${QUORUM}`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${DOWN_AFTER_MS}`,
          // Also how long before a failed failover is tried again (twice this): short for tests.
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 3000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
        ],
      }),
    );
  }
  const topology = new SentinelRedis([master, replica], sentinels, dir);
  try {
    await master.start();
    await replica.start(['--replicaof', '127.0.0.1', String(master.port)]);
    await waitFor(() => replica.replicates(master), {
      timeoutMs: 15_000,
      what: 'the replica in sync',
    });
    await Promise.all(sentinels.map((sentinel) => sentinel.start()));
    await waitFor(
      async () => {
        for (const sentinel of sentinels) {
          const state = pairs(
            await redisCommand(sentinel.port, ['SENTINEL', 'MASTER', SENTINEL_MASTER_NAME]),
          );
          if (
            state.get('port') !== String(master.port) ||
            state.get('num-slaves') !== '1' ||
            state.get('num-other-sentinels') !== '2'
          )
            return false;
        }
        return (await topology.currentMaster()) === master;
      },
      {
        timeoutMs: 20_000,
        intervalMs: 100,
        what: 'the sentinels to know each other and the replica',
      },
    );
  } catch (error) {
    await topology.cleanup();
    throw error;
  }
  return topology;
}
