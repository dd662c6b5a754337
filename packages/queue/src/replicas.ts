import { Cluster } from 'ioredis';
import type { HookrelayConfig } from '@hookrelay/config';
import type { RedisClient } from './connection.js';
import { QueueUnavailableError } from './write-timeout.js';

/**
 * Fewer replicas than `redis.waitForReplicas` confirmed a write within the time allowed. The write
 * itself is on the master: it will be delivered unless the master fails before a replica copies it,
 * and a provider's retry of the event is answered as a duplicate (docs/replicas.md).
 */
export class ReplicasUnconfirmedError extends QueueUnavailableError {
  override readonly name = 'ReplicasUnconfirmedError';
}

interface Waiter {
  /** The connection's session when the caller sent its write (see `session`). */
  readonly session: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const barriers = new WeakMap<RedisClient, ReplicaBarrier>();

/**
 * `redis.waitForReplicas` (docs/replicas.md): Redis replication is asynchronous, so a write the
 * master confirmed can vanish in a failover. `WAIT n timeout` on the connection that wrote blocks
 * until `n` replicas acknowledge everything that connection wrote so far, so one WAIT confirms every
 * write whose answer came back before it was sent: callers whose writes were answered while a WAIT
 * is out join the next one (group commit), and the cost is one WAIT per round, not per write.
 *
 * The WAIT goes on the very connection that wrote (WAIT counts that connection's writes), in order
 * behind them. A write sent before the connection was lost and made again cannot be confirmed by a
 * WAIT on the new connection (it would count nothing of the old one's), so each caller names the
 * session it wrote in and a reconnection in between refuses it.
 */
export class ReplicaBarrier {
  private waiting: Waiter[] = [];
  private running = false;
  private sessionCount = 0;
  private readonly timeoutMs: number;

  private constructor(
    private readonly client: RedisClient,
    readonly replicas: number,
    timeoutMs: number,
    /** A key of hookrelay's own hash slot: on Cluster the WAIT must reach the node that wrote. */
    private readonly slotKey: string,
  ) {
    // WAIT's timeout is whole milliseconds, and 0 would wait forever.
    this.timeoutMs = Math.max(1, Math.round(timeoutMs));
    const nextSession = () => {
      this.sessionCount += 1;
    };
    client.on('close', nextSession);
    client.on('ready', nextSession);
    if (client instanceof Cluster) {
      client.on('node error', nextSession);
      client.on('-node', nextSession);
    }
  }

  /**
   * The barrier of `client` (made once per connection), or undefined when `waitForReplicas` is 0.
   * `timeoutMs`: how long Redis waits for the replicas before answering with fewer.
   */
  static of(
    config: Pick<HookrelayConfig, 'redis'>,
    client: RedisClient,
    timeoutMs: number,
  ): ReplicaBarrier | undefined {
    const { waitForReplicas, prefix } = config.redis;
    if (waitForReplicas === 0) return undefined;
    let barrier = barriers.get(client);
    if (!barrier) {
      barrier = new ReplicaBarrier(client, waitForReplicas, timeoutMs, `${prefix}:inbox`);
      barriers.set(client, barrier);
    }
    return barrier;
  }

  /** The barrier made for `client` by `of`, if any (a replay finds its connection's this way). */
  static on(client: RedisClient): ReplicaBarrier | undefined {
    return barriers.get(client);
  }

  /** The current session of the connection: read it just before sending the write to confirm. */
  get session(): number {
    return this.sessionCount;
  }

  /**
   * Resolves once `replicas` replicas hold every write the connection had answered when this was
   * called, the caller's (sent in `session`) among them; rejects with ReplicasUnconfirmedError when
   * fewer confirm in time, QueueUnavailableError when the connection fails or was made again.
   */
  confirm(session: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ session, resolve, reject });
      if (!this.running) void this.rounds();
    });
  }

  private async rounds(): Promise<void> {
    this.running = true;
    while (this.waiting.length) {
      const round = this.waiting;
      this.waiting = [];
      const session = this.sessionCount;
      const outcome = await this.wait().then(
        (acknowledged) =>
          acknowledged >= this.replicas
            ? undefined
            : new ReplicasUnconfirmedError(
                `${acknowledged} of ${this.replicas} replicas confirmed the write within ${this.timeoutMs} ms; ` +
                  'it is on the master, and goes ahead unless the master fails before a replica has it',
              ),
        (error: unknown) => new QueueUnavailableError('redis WAIT failed', { cause: error }),
      );
      const lost = new QueueUnavailableError('the redis connection was made again since the write');
      for (const waiter of round) {
        if (outcome) waiter.reject(outcome);
        else if (waiter.session !== session || this.sessionCount !== session) waiter.reject(lost);
        else waiter.resolve();
      }
    }
    this.running = false;
  }

  /** WAIT on the connection (on Cluster, on the node of hookrelay's slot): replicas that acknowledged. */
  private async wait(): Promise<number> {
    if (!(this.client instanceof Cluster))
      return Number(await this.client.wait(this.replicas, this.timeoutMs));
    // A pipeline goes to the node of its keys' slot, keyless commands with it; EXISTS writes nothing.
    const answers = await this.client
      .pipeline()
      .exists(this.slotKey)
      .wait(this.replicas, this.timeoutMs)
      .exec();
    const [error, acknowledged] = answers?.[1] ?? [new Error('no answer to WAIT')];
    if (error) throw error;
    return Number(acknowledged);
  }
}
