import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net.js';
import { infoFields } from './redis-command.js';
import { RedisNode } from './redis-node.js';
import { removeNodes, type ReplicatedRedis } from './replicated-redis.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
const MASTERS = 3;
/** Unreachable this long, a node is failing; its replica takes over within about 2–3 s of that. */
const NODE_TIMEOUT_MS = 1_000;

/** One line of CLUSTER NODES: `<id> <ip:port@bus> <flags> <master id or -> …`. */
interface ClusterNodeLine {
  readonly id: string;
  readonly port: number;
  readonly flags: readonly string[];
  readonly masterId: string | undefined;
}

function parseNodes(text: string): ClusterNodeLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, master] = line.split(' ');
      return {
        id: id!,
        port: Number(address!.split('@')[0]!.split(':')[1]),
        flags: flags!.split(','),
        masterId: master === '-' ? undefined : master,
      };
    });
}

/**
 * A Redis Cluster of 3 masters with a replica each: 6 durable redis-servers with `cluster-enabled`,
 * each with its own port, directory and nodes.conf. hookrelay's config for it: `cluster: urls`,
 * with a hash-tagged prefix (`{hookrelay}`) so that all its keys live in one slot.
 */
export class RedisCluster implements ReplicatedRedis {
  readonly kind = 'cluster';

  constructor(
    readonly nodes: readonly RedisNode[],
    private readonly dir: string,
  ) {}

  /** `redis://127.0.0.1:<port>` of every node, as hookrelay's `redis.cluster` takes them. */
  get urls(): string[] {
    return this.nodes.map((node) => node.url);
  }

  /** The nodes that answer (neither dead nor frozen): the ones to ask. */
  private get live(): RedisNode[] {
    return this.nodes.filter((node) => node.answering);
  }

  /** CLUSTER NODES as `node` sees it. */
  private async view(node: RedisNode): Promise<ClusterNodeLine[]> {
    return parseNodes(String(await node.command('CLUSTER', 'NODES')));
  }

  private nodeOn(port: number): RedisNode {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no node on port ${port}`);
    return node;
  }

  /** The hash slot of `key` (`{hookrelay}:…` is the slot of `hookrelay`). */
  async slotOf(key: string): Promise<number> {
    return Number(await this.live[0]!.command('CLUSTER', 'KEYSLOT', key));
  }

  /** The master of `slot` as `asked` sees it (CLUSTER SLOTS). */
  private async masterOfSlot(slot: number, asked: RedisNode): Promise<RedisNode> {
    const ranges = (await asked.command('CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number],
    ][];
    const range = ranges.find(([first, last]) => first <= slot && slot <= last);
    if (!range) throw new Error(`${asked.name}: slot ${slot} has no master`);
    return this.nodeOn(Number(range[2][1]));
  }

  /** The master of `key`'s slot, as every running node agrees it is; throws while they disagree. */
  async masterOf(key: string): Promise<RedisNode> {
    const slot = await this.slotOf(key);
    const answers = await Promise.all(this.live.map((node) => this.masterOfSlot(slot, node)));
    if (answers.some((master) => master !== answers[0]))
      throw new Error(`nodes disagree on slot ${slot}: ${answers.map((n) => n.name).join(', ')}`);
    return answers[0]!;
  }

  async replicaOf(master: RedisNode): Promise<RedisNode> {
    const view = await this.view(master);
    const own = view.find((line) => line.flags.includes('myself'));
    const replica = view.find((line) => line.masterId === own?.id && line.flags.includes('slave'));
    if (!replica) throw new Error(`${master.name} has no replica`);
    return this.nodeOn(replica.port);
  }

  /** Every node that answers says `cluster_state:ok` and knows no node as failing but the others. */
  async healthy(): Promise<boolean> {
    const dead = new Set(this.nodes.filter((node) => !node.answering).map((node) => node.port));
    for (const node of this.live) {
      const info = infoFields(String(await node.command('CLUSTER', 'INFO')));
      if (info.get('cluster_state') !== 'ok') return false;
      const view = await this.view(node);
      if (view.length !== this.nodes.length) return false;
      const failing = view.filter(
        (line) =>
          line.flags.some((flag) => flag === 'fail' || flag === 'fail?') && !dead.has(line.port),
      );
      if (failing.length) return false;
    }
    return true;
  }

  /**
   * Waits until `oldMaster`'s former replica masters its slots in every running node's view and
   * the cluster is ok again.
   */
  async waitForFailover(oldMaster: RedisNode, timeoutMs = 30_000): Promise<RedisNode> {
    const ownSlot = await this.firstSlotOf(oldMaster);
    return waitFor(
      async () => {
        const answers = await Promise.all(
          this.live.map((node) => this.masterOfSlot(ownSlot, node)),
        );
        const master = answers[0]!;
        if (master === oldMaster || answers.some((other) => other !== master)) return undefined;
        if ((await master.info('replication')).get('role') !== 'master') return undefined;
        return (await this.healthy()) ? master : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `the cluster to fail over from ${oldMaster.name}` },
    );
  }

  /** A slot `master` held, from a running node's view (it may be dead itself). */
  private async firstSlotOf(master: RedisNode): Promise<number> {
    const ranges = (await this.live[0]!.command('CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number],
    ][];
    const range = ranges.find((entry) => Number(entry[2][1]) === master.port);
    if (!range) throw new Error(`${master.name} holds no slot`);
    return range[0];
  }

  /**
   * Starts a killed node again on its own data and nodes.conf: it rejoins, and an old master learns
   * that its slots moved on and becomes a replica of the new master. Waits until it is in sync.
   */
  async restart(node: RedisNode): Promise<void> {
    await node.start();
    await waitFor(
      async () => {
        const view = await this.view(node);
        const own = view.find((line) => line.flags.includes('myself'));
        if (!own) return false;
        if (own.masterId === undefined) return this.healthy();
        const master = view.find((line) => line.id === own.masterId);
        return (
          master !== undefined &&
          (await node.replicates(this.nodeOn(master.port))) &&
          (await this.healthy())
        );
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `${node.name} back in the cluster, in sync` },
    );
  }

  async cleanup(): Promise<void> {
    await removeNodes(this.nodes, this.dir);
  }
}

/**
 * Starts 6 nodes, joins them with `redis-cli --cluster create … --cluster-replicas 1`, and waits
 * until every node says `cluster_state:ok`, knows all 6, and each replica is in sync. Everything
 * is removed if any step fails.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-cluster-'));
  const nodes: RedisNode[] = [];
  for (let i = 1; i <= MASTERS * 2; i++)
    nodes.push(
      new RedisNode({
        name: `node-${i}`,
        port: await freePort(),
        dir: join(dir, `node-${i}`),
        config: [
          'cluster-enabled yes',
          'cluster-config-file nodes.conf',
          `cluster-node-timeout ${NODE_TIMEOUT_MS}`,
        ],
      }),
    );
  const cluster = new RedisCluster(nodes, dir);
  try {
    await Promise.all(nodes.map((node) => node.start()));
    await run(
      process.env.REDIS_CLI_BIN ?? 'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => node.address),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
    await waitFor(
      async () => {
        if (!(await cluster.healthy())) return false;
        for (const node of nodes) {
          const info = await node.info('replication');
          if (info.get('role') === 'slave' && info.get('master_link_status') !== 'up') return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the cluster ok, every replica in sync' },
    );
  } catch (error) {
    await cluster.cleanup();
    throw error;
  }
  return cluster;
}
