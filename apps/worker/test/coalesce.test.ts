import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '@hookrelay/queue';
import { startTestRedis, type TestRedis } from '@hookrelay/testing';
import { coalesceWrites } from '../src/coalesce.js';

describe('coalesceWrites', () => {
  let redis: TestRedis;
  let connection: RedisClient;
  const socket = () => (connection as unknown as { stream: Socket }).stream;

  beforeAll(async () => {
    redis = await startTestRedis();
    connection = createRedis({ url: redis.url, prefix: 'coalesce' }, 'consumer', 'coalesce-test');
    await connection.ping();
  });
  afterAll(async () => {
    await connection.quit();
    await redis.cleanup();
  });

  it('holds the writes of this turn, then sends them together, answered in the order they were sent', async () => {
    coalesceWrites(connection);
    expect(socket().writableCorked).toBe(1);
    const answers = Promise.all([
      connection.set('coalesce:k', 'a'),
      connection.append('coalesce:k', 'b'),
      connection.get('coalesce:k'),
    ]);
    // Nothing left the process yet: the socket holds both commands until the turn ends.
    expect(socket().writableLength).toBeGreaterThan(0);
    expect(await answers).toEqual(['OK', 2, 'ab']);
    expect(socket().writableCorked).toBe(0);
  });

  it('leaves a client without one socket (Redis Cluster) alone', () => {
    expect(() => coalesceWrites({} as RedisClient)).not.toThrow();
  });
});
