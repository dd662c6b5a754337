import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedisServer } from '@hookrelay/redis-server';
import { redisCommand, redisInfo, type RedisReply } from './redis-command.js';

export interface RedisNodeOptions {
  /** For messages: `master`, `replica`, `sentinel 2`, `node 4`. */
  readonly name: string;
  readonly port: number;
  /** Its own directory: data (AOF), config file, log. */
  readonly dir: string;
  /** Its config file's lines, written once: Sentinel and Cluster rewrite the file afterwards. */
  readonly config: readonly string[];
  /** A sentinel (`redis-server <conf> --sentinel`), not a data node. */
  readonly sentinel?: boolean;
}

/**
 * One process of a test topology (a data node or a sentinel): SIGKILLed, frozen, and started again
 * on its own data and config file, as after a crash. Data nodes are durable like RedisServer makes
 * them (AOF, appendfsync always).
 */
export class RedisNode {
  private server?: RedisServer;
  private frozen = false;
  private readonly configFile: string;

  constructor(readonly options: RedisNodeOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.configFile = join(options.dir, options.sentinel ? 'sentinel.conf' : 'redis.conf');
    const own = [
      `logfile ${join(options.dir, 'redis.log')}`,
      // A replica that (re)connects is sent the data at once, not after 5 s waiting for others.
      ...(options.sentinel ? [] : ['repl-diskless-sync-delay 0']),
    ];
    writeFileSync(this.configFile, [...options.config, ...own, ''].join('\n'));
  }

  get name(): string {
    return this.options.name;
  }

  get port(): number {
    return this.options.port;
  }

  /** `127.0.0.1:<port>`, as Sentinel names nodes and hookrelay's `redis.sentinels` takes them. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `redis://${this.address}`;
  }

  get pid(): number | undefined {
    return this.server?.pid;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Running and not frozen: it answers what it is asked. */
  get answering(): boolean {
    return this.running && !this.frozen;
  }

  /** Starts it (again) on its own data; `extraArgs` for this start only (`--replicaof h p`). */
  async start(extraArgs: readonly string[] = []): Promise<this> {
    if (this.server) throw new Error(`${this.name} is already running`);
    const server = new RedisServer({
      port: this.port,
      dir: this.options.dir,
      bin: process.env.REDIS_SERVER_BIN,
      configFile: this.configFile,
      durable: !this.options.sentinel,
      extraArgs: [...(this.options.sentinel ? ['--sentinel'] : []), ...extraArgs],
    });
    await server.start();
    this.server = server;
    return this;
  }

  /** SIGKILL, as a crash: what it acknowledged and had not sent to its replicas is gone with it. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.frozen = false;
    await server?.stop('SIGKILL');
  }

  /** SIGSTOP: its connections stay open and it answers nothing, as a node stalled or cut off. */
  freeze(): void {
    const pid = this.pid;
    if (pid === undefined) throw new Error(`${this.name} is not running`);
    process.kill(pid, 'SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    const pid = this.pid;
    if (pid === undefined || !this.frozen) return;
    process.kill(pid, 'SIGCONT');
    this.frozen = false;
  }

  command(...args: (string | number)[]): Promise<RedisReply> {
    return redisCommand(this.port, args);
  }

  info(section: string): Promise<Map<string, string>> {
    return redisInfo(this.port, section);
  }

  /**
   * Closes its replication links (CLIENT KILL TYPE replica): what it writes from now on reaches no
   * replica until one connects again (a replica frozen meanwhile cannot).
   */
  async dropReplicas(): Promise<number> {
    return Number(await this.command('CLIENT', 'KILL', 'TYPE', 'replica'));
  }

  /** Whether it replicates `master` and is in sync with it (`master_link_status:up`). */
  async replicates(master: RedisNode): Promise<boolean> {
    const info = await this.info('replication');
    return (
      info.get('role') === 'slave' &&
      info.get('master_port') === String(master.port) &&
      info.get('master_link_status') === 'up'
    );
  }
}
