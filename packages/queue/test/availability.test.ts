import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import {
  redisConnectionFailure,
  createRedis,
  watchRedisAvailability,
  type RedisClient,
} from '../src/index.js';

const errno = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code });

describe('which errors mean Redis cannot be reached', () => {
  it('knows refused, reset and timed-out connections, and connections closed under a command', () => {
    expect(redisConnectionFailure(errno('ECONNREFUSED'))).toBe('ECONNREFUSED');
    expect(redisConnectionFailure(errno('ECONNRESET'))).toBe('ECONNRESET');
    expect(redisConnectionFailure(errno('ETIMEDOUT'))).toBe('ETIMEDOUT');
    expect(redisConnectionFailure(new AggregateError([errno('ECONNREFUSED')]))).toBe(
      'ECONNREFUSED',
    );
    expect(redisConnectionFailure(new Error('Connection is closed.'))).toBe('connection closed');
  });

  it('leaves every other error to its caller', () => {
    expect(
      redisConnectionFailure(new Error('Missing lock for job 1. moveToFinished')),
    ).toBeUndefined();
  });
});

describe('one line when Redis goes away, one when it is back', () => {
  let redis: TestRedis;
  let client: RedisClient;
  let queue: Queue;
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const others: Error[] = [];
  let clientErrors = 0;
  const log = {
    warn: (message: string, fields: Record<string, unknown>) =>
      lines.push({ level: 'warn', message, fields }),
    info: (message: string, fields: Record<string, unknown>) =>
      lines.push({ level: 'info', message, fields }),
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    // The address as the config would give it with a password (the test server has none).
    const config = { url: redis.url.replace('redis://', 'redis://user:s3cret@'), prefix: 'test' };
    client = createRedis({ ...config, url: redis.url }, 'producer', 'test-availability');
    client.on('error', () => (clientErrors += 1));
    const availability = watchRedisAvailability(client, config, log);
    queue = new Queue('availability', { connection: client, prefix: 'test' });
    queue.on(
      'error',
      availability.listener((error) => others.push(error)),
    );
    await waitFor(() => client.status === 'ready', { what: 'connected' });
  });
  afterAll(async () => {
    await queue?.close();
    client?.disconnect();
    await redis?.cleanup();
  });

  it('says nothing while Redis is there, then once per outage, with the address masked', async () => {
    expect(lines).toEqual([]);
    await redis.server.stop();
    await waitFor(() => lines.length > 0, { what: 'the outage reported' });
    // Several failed reconnect attempts later, still the one line.
    await waitFor(() => clientErrors >= 3, { what: 'three failed reconnect attempts' });
    expect(lines).toHaveLength(1);
    await redis.server.start();
    await waitFor(() => lines.length > 1, { what: 'the return reported' });

    const masked = redis.url.replace('redis://', 'redis://user:***@');
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'redis unavailable',
        fields: { redis: masked, reason: 'ECONNREFUSED' },
      },
      {
        level: 'info',
        message: 'redis available again',
        fields: { redis: masked, unavailableMs: expect.any(Number) as number },
      },
    ]);
    expect(others).toEqual([]);
  });
});
