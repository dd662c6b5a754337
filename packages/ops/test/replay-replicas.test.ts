import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, deliveryQueueName, type RedisClient } from '@hookrelay/queue';
import { startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import { ReplicasUnconfirmedReplayError } from '../src/index.js';
import { startOpsFixture, type OpsFixture } from './setup.js';

const SOURCES = `
  shop:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/shop" }
    retry: { attempts: 1 }
`;

/**
 * A replay creates a delivery: with `redis.waitForReplicas` it is confirmed on the replicas as an
 * ingress write is (docs/replicas.md), and refused (503 replicas_unconfirmed) when they lag.
 */
describe('replays with waitForReplicas', () => {
  let fx: OpsFixture;
  let replica: TestRedis;
  let onReplica: RedisClient;
  const logKey = (id: string) => `opstest:${deliveryQueueName('shop', 'default')}:${id}:logs`;
  const dead = async () => (await fx.ops.sourceCounts('shop'))[0]!.destinations[0]!.dead;
  const replicaPid = () => {
    const pid = replica.server.pid;
    if (pid === undefined) throw new Error('the replica is not running');
    return pid;
  };

  beforeAll(async () => {
    fx = await startOpsFixture(SOURCES, 'waitForReplicas: 1');
    replica = await startTestRedis();
    onReplica = createRedis({ url: replica.url }, 'consumer', 'ops-test-replica');
    await onReplica.replicaof('127.0.0.1', Number(new URL(fx.config.redis.url).port));
    await waitFor(
      async () => (await onReplica.info('replication')).includes('master_link_status:up'),
      { timeoutMs: 10_000, what: 'the replica in sync' },
    );
    fx.backendUp = false;
    fx.startWorker('shop');
  });
  afterAll(async () => {
    try {
      process.kill(replicaPid(), 'SIGCONT');
    } catch {
      // not running
    }
    onReplica.disconnect();
    await fx.close();
    await replica.cleanup();
  });

  it('a replay resolves once the replica holds it', async () => {
    const id = await fx.send('shop');
    await waitFor(async () => (await dead()) === 1, { what: 'the event to die' });
    expect(await fx.ops.replayEvent(id)).toMatchObject({ replayed: 1 });
    // Read on the replica at once: the replay's marker is there.
    const logs = await onReplica.lrange(logKey(id), 0, -1);
    expect(logs.some((line) => line.includes('"replayedAt"'))).toBe(true);
    await waitFor(async () => (await dead()) === 1, { what: 'the replayed event to die again' });
  });

  it('a replay the frozen replica cannot confirm is refused with 503 replicas_unconfirmed', async () => {
    const id = await fx.send('shop');
    await waitFor(async () => (await dead()) === 2, { what: 'the second event to die' });
    process.kill(replicaPid(), 'SIGSTOP');
    try {
      const refused = await fx.ops.replayEvent(id).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ReplicasUnconfirmedReplayError);
      expect(refused).toMatchObject({ status: 503, code: 'replicas_unconfirmed' });
      expect((refused as Error).message).toMatch(/0 of 1 replicas confirmed/);
    } finally {
      process.kill(replicaPid(), 'SIGCONT');
    }
  });
});
