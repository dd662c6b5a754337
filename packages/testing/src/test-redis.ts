import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '@hookrelay/redis-server';
import { freePort } from './net.js';

export interface TestRedis {
  readonly server: RedisServer;
  readonly url: string;
  /** Stops the server and removes its data directory. */
  cleanup(): Promise<void>;
}

/** A private, durable redis-server on a free port with its own temporary directory. */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-redis-'));
  const server = new RedisServer({
    port: await freePort(),
    dir,
    bin: process.env.REDIS_SERVER_BIN,
  });
  await server.start();
  return {
    server,
    url: server.url,
    async cleanup() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
