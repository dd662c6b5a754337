import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '@hookrelay/metrics';
import { createRedis, type RedisClient } from '@hookrelay/queue';
import {
  listen,
  startTestRedis,
  waitFor,
  type Listening,
  type TestRedis,
} from '@hookrelay/testing';
import { createServer as createWorkerServer } from '@hookrelay/worker';
import { post, startRelay, type Relay } from './harness.js';

const READY = { status: 'ready', redis: true };
const REFUSING_WRITES = {
  status: 'unavailable',
  redis: false,
  reason: 'redis refuses writes (OOM)',
};

describe('readiness: ready only while Redis accepts writes', () => {
  let redis: TestRedis;
  let relay: Relay;
  let worker: Listening;
  let workerRedis: RedisClient;
  let admin: RedisClient;

  beforeAll(async () => {
    redis = await startTestRedis();
    relay = await startRelay({
      redis,
      yaml: `
sources:
  notifications:
    verify: { type: token, header: authorization, value: "Bearer notify" }
    destination: { url: \${BACKEND_URL}/webhooks/notifications }
`,
    });
    // The worker's HTTP side over the relay's running delivery workers, as the worker process wires it.
    workerRedis = createRedis(relay.config.redis, 'consumer', 'test-worker-http');
    workerRedis.on('error', () => undefined);
    worker = await listen(
      createWorkerServer(
        workerRedis,
        relay.workers!,
        createRegistry('worker'),
        relay.config.redis.prefix,
      ),
    );
    admin = createRedis(relay.config.redis, 'consumer', 'test-admin');
    admin.on('error', () => undefined);
  });
  afterAll(async () => {
    await admin?.config('SET', 'maxmemory', '0').catch(() => undefined);
    await worker?.close();
    await relay?.close();
    for (const client of [workerRedis, admin]) client?.disconnect();
    await redis?.cleanup();
  });

  const readyz = async (service: Listening) => {
    const response = await fetch(`${service.url}/readyz`);
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const both = () => Promise.all([readyz(relay.ingress), readyz(worker)]);
  const send = (n: number) =>
    post(relay, '/webhooks/notifications', JSON.stringify({ n }), {
      authorization: 'Bearer notify',
    });
  const enqueuedBodies = async () => {
    await relay.settled();
    return (
      await relay.queue('notifications').getJobs(['waiting', 'active', 'completed', 'delayed'])
    )
      .map((job) => job.data.body as string)
      .sort();
  };

  it('answers 503 with the reason while Redis is out of memory under noeviction (PING still answers), ready again once it has room', async () => {
    await waitFor(async () => (await both()).every(({ status }) => status === 200), {
      what: 'ingress and worker ready',
    });
    expect(await both()).toEqual([
      { status: 200, body: READY },
      { status: 200, body: READY },
    ]);
    expect((await send(1)).status).toBe(202);

    // Below what Redis already uses, with nothing it may evict: every write is refused with OOM.
    const info = await admin.info('memory');
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)));
    await expect(admin.set('readiness-test', '1')).rejects.toThrow(/^OOM/);
    expect(await admin.ping()).toBe('PONG');

    expect(await both()).toEqual([
      { status: 503, body: REFUSING_WRITES },
      { status: 503, body: REFUSING_WRITES },
    ]);
    for (const service of [relay.ingress, worker])
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const refused = await send(2);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: 'queue_unavailable' } });

    await admin.config('SET', 'maxmemory', '0');
    await waitFor(async () => (await both()).every(({ status }) => status === 200), {
      timeoutMs: 5_000,
      what: 'ingress and worker ready again',
    });
    expect(await both()).toEqual([
      { status: 200, body: READY },
      { status: 200, body: READY },
    ]);
    expect((await send(3)).status).toBe(202);
    // What was refused while Redis was full never reached the queue.
    expect(await enqueuedBodies()).toEqual(['{"n":1}', '{"n":3}']);
  });
});
