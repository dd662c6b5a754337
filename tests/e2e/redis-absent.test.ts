import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import { appEntry, LOOPBACK_CONFIG, runNode, type AppRun } from './app-process.js';

/** A TCP server that accepts and hangs up at once, as a proxy in front of a stopped Redis does; counts attempts. */
async function hangUpOn(port: number): Promise<{ attempts: () => number; close(): Promise<void> }> {
  let attempts = 0;
  const server: Server = createServer((socket) => {
    attempts += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    attempts: () => attempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const count = (run: AppRun, message: string) =>
  run.lines.filter((line) => line.includes(`"message":"${message}"`)).length;

describe('an app started while Redis is away', () => {
  let dir: string;
  let redis: TestRedis | undefined;
  const runs: AppRun[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookrelay-no-redis-'));
    writeFileSync(join(dir, 'hookrelay.yaml'), LOOPBACK_CONFIG);
  });
  afterEach(async () => {
    for (const run of runs.splice(0)) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    await redis?.cleanup();
    redis = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `app` against a Redis that is down: its server stopped, its port free, until `redis.server.start()`. */
  async function start(app: 'ingress' | 'worker') {
    redis = await startTestRedis();
    await redis.server.stop();
    const redisPort = redis.server.options.port;
    const httpPort = await freePort();
    const run = runNode(appEntry(app), {
      ...process.env,
      HOOKRELAY_CONFIG: join(dir, 'hookrelay.yaml'),
      REDIS_URL: redis.url,
      PORT: String(app === 'ingress' ? httpPort : await freePort()),
      WORKER_PORT: String(app === 'worker' ? httpPort : await freePort()),
      DEMO_BACKEND_PORT: String(await freePort()),
    });
    runs.push(run);
    await run.line(/"message":"listening"/);
    return { run, redisPort, url: `http://127.0.0.1:${httpPort}` };
  }

  const status = async (url: string) => (await fetch(url)).status;

  it.each(['ingress', 'worker'] as const)(
    '%s: one line when Redis is away, one when it is back, never a stack trace',
    async (app) => {
      const { run, redisPort, url } = await start(app);
      const unavailable = await run.line(/"message":"redis unavailable"/);
      expect(JSON.parse(unavailable)).toMatchObject({
        level: 'warn',
        redis: `redis://127.0.0.1:${redisPort}`,
        reason: 'ECONNREFUSED',
      });
      expect(await status(`${url}/healthz`)).toBe(200);
      expect(await status(`${url}/readyz`)).toBe(503);

      // Its reconnect attempts, made countable: each must stay silent.
      const hangUp = await hangUpOn(redisPort);
      await waitFor(() => hangUp.attempts() >= 5, { what: 'five reconnect attempts' });
      await hangUp.close();

      await redis!.server.start();
      await run.line(/"message":"redis available again"/);
      await waitFor(async () => (await status(`${url}/readyz`)) === 200, { what: 'ready' });

      expect(count(run, 'redis unavailable')).toBe(1);
      expect(count(run, 'redis available again')).toBe(1);
      expect(run.stderr).toEqual([]);
      expect(run.lines.filter((line) => !line.startsWith('{'))).toEqual([]);
      expect(run.lines.filter((line) => /"level":"(warn|error)"/.test(line))).toEqual([
        unavailable,
      ]);
    },
  );

  it('worker: SIGINT while Redis is away and nothing is in flight exits 0 within 3 s', async () => {
    const { run } = await start('worker');
    await run.line(/"message":"redis unavailable"/);
    const signalled = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(3_000);
    expect(count(run, 'stopped')).toBe(1);
  });
});
