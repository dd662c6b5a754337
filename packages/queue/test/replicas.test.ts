import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import {
  createRedis,
  EventInbox,
  InboxKeys,
  newEventId,
  ReplicasUnconfirmedError,
  type IncomingEvent,
  type RedisClient,
} from '../src/index.js';

/**
 * `redis.waitForReplicas` (docs/replicas.md) on a real master and a real replica: an event is
 * acknowledged only once the replica holds it, and not while the replica is away.
 */
describe('waitForReplicas: the ingress write confirmed on the replicas', () => {
  let master: TestRedis;
  let replica: TestRedis;
  let onReplica: RedisClient;
  const clients: RedisClient[] = [];
  const keys = new InboxKeys('replicatest');

  const configWith = (waitForReplicas: number): HookrelayConfig =>
    parseConfig(
      `redis: { url: ${master.url}, prefix: replicatest, waitForReplicas: ${waitForReplicas} }
ingress: { enqueueTimeout: 700ms }
sources:
  shop:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/shop" }
`,
      {},
    );

  async function inboxWith(waitForReplicas: number): Promise<EventInbox> {
    const config = configWith(waitForReplicas);
    const client = createRedis(config.redis, 'producer', 'replicas-test');
    clients.push(client);
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    return new EventInbox(config, client);
  }

  const event = (): IncomingEvent => ({
    id: newEventId(),
    source: 'shop',
    requestId: 'req',
    receivedAt: Date.now(),
    eventType: 'order.paid',
    headers: {},
    body: '{}',
    bodyEncoding: 'utf8',
  });

  const waitCalls = async (client: RedisClient) => {
    const stats = await client.info('commandstats');
    return Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  };

  const replicaPid = () => {
    const pid = replica.server.pid;
    if (pid === undefined) throw new Error('the replica is not running');
    return pid;
  };

  beforeAll(async () => {
    [master, replica] = await Promise.all([startTestRedis(), startTestRedis()]);
    onReplica = createRedis({ url: replica.url }, 'consumer', 'replicas-test-replica');
    await onReplica.replicaof('127.0.0.1', master.server.options.port);
    await waitFor(
      async () => (await onReplica.info('replication')).includes('master_link_status:up'),
      { timeoutMs: 10_000, what: 'the replica in sync' },
    );
  });
  afterAll(async () => {
    try {
      process.kill(replicaPid(), 'SIGCONT');
    } catch {
      // not running
    }
    for (const client of clients) client.disconnect();
    onReplica.disconnect();
    await Promise.all([master.cleanup(), replica.cleanup()]);
  });
  beforeEach(async () => {
    const admin = createRedis({ url: master.url }, 'consumer', 'replicas-test-admin');
    await admin.flushall();
    await admin.config('RESETSTAT');
    admin.disconnect();
  });

  it('answers once the replica holds the event: it is there the moment the write resolves', async () => {
    const inbox = await inboxWith(1);
    const accepted = event();
    expect(await inbox.enqueue(accepted, { dedupeId: 'shop.1' })).toEqual({
      status: 'accepted',
      id: accepted.id,
    });
    // Read on the replica right away: WAIT returned only once it had acknowledged the write.
    expect(await onReplica.lrange(keys.inbox(), 0, -1)).toHaveLength(1);
    expect(await onReplica.exists(keys.dedupe('shop.1'))).toBe(1);
    // A duplicate is confirmed too: the first copy's write may not have reached the replicas.
    expect(await inbox.enqueue(event(), { dedupeId: 'shop.1' })).toEqual({
      status: 'duplicate',
      id: accepted.id,
    });
    expect(await waitCalls(clients.at(-1)!)).toBe(2);
  });

  it('confirms many writes with few WAITs: writes answered while a WAIT is out share the next', async () => {
    const inbox = await inboxWith(1);
    const results = await Promise.all(Array.from({ length: 300 }, () => inbox.enqueue(event())));
    expect(results.every((result) => result.status === 'accepted')).toBe(true);
    expect(await onReplica.llen(keys.inbox())).toBe(300);
    const waits = await waitCalls(clients.at(-1)!);
    expect(waits).toBeGreaterThan(0);
    expect(waits).toBeLessThan(100);
  });

  it('refuses while the replica is frozen, within the ingress budget; the write stays on the master', async () => {
    const inbox = await inboxWith(1);
    process.kill(replicaPid(), 'SIGSTOP');
    const started = Date.now();
    try {
      const refused = await inbox.enqueue(event()).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ReplicasUnconfirmedError);
      expect((refused as Error).message).toMatch(/0 of 1 replicas confirmed/);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await clients.at(-1)!.llen(keys.inbox())).toBe(1);
    } finally {
      process.kill(replicaPid(), 'SIGCONT');
    }
    // Back in sync: the next write is confirmed, and the replica has both.
    await inbox.enqueue(event());
    expect(await onReplica.llen(keys.inbox())).toBe(2);
  });

  it('asks more replicas than there are: refused (a misconfiguration says so instead of passing)', async () => {
    const inbox = await inboxWith(2);
    await expect(inbox.enqueue(event())).rejects.toThrow(/1 of 2 replicas confirmed/);
  });

  it('sends no WAIT with waitForReplicas 0', async () => {
    const inbox = await inboxWith(0);
    await inbox.enqueue(event());
    expect(await waitCalls(clients.at(-1)!)).toBe(0);
  });
});
