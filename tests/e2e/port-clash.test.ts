import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestRedis, type TestRedis } from '@hookrelay/testing';
import { appEntry, LOOPBACK_CONFIG, runNode } from './app-process.js';

describe('a port another program holds', () => {
  let dir: string;
  let redis: TestRedis;
  let held: Server;
  let heldPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hookrelay-port-clash-'));
    writeFileSync(join(dir, 'hookrelay.yaml'), LOOPBACK_CONFIG);
    redis = await startTestRedis();
    held = createServer();
    heldPort = await new Promise<number>((resolve) =>
      held.listen(0, '127.0.0.1', () => resolve((held.address() as { port: number }).port)),
    );
  });
  afterAll(async () => {
    await new Promise((resolve) => held?.close(resolve));
    await redis?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = async (overrides: Record<string, string>) => ({
    ...process.env,
    HOOKRELAY_CONFIG: join(dir, 'hookrelay.yaml'),
    REDIS_URL: redis.url,
    DASHBOARD_PASSWORD: 'port-clash-test',
    PORT: String(await freePort()),
    WORKER_PORT: String(await freePort()),
    DASHBOARD_PORT: String(await freePort()),
    DEMO_BACKEND_PORT: String(await freePort()),
    ...overrides,
  });

  it.each([
    ['ingress', 'PORT', 'PORT or ingress.port'],
    ['worker', 'WORKER_PORT', 'WORKER_PORT or worker.port'],
    ['dashboard', 'DASHBOARD_PORT', 'DASHBOARD_PORT or dashboard.port'],
    ['demo-backend', 'DEMO_BACKEND_PORT', 'DEMO_BACKEND_PORT or demoBackend.port'],
  ])('%s alone exits 1 with one line naming the port and %s', async (app, variable, setting) => {
    const run = runNode(appEntry(app), await env({ [variable]: String(heldPort) }));
    expect(await run.exited).toBe(1);
    expect(run.lines).toHaveLength(1);
    expect(JSON.parse(run.lines[0]!)).toMatchObject({
      level: 'error',
      message: `cannot listen on 127.0.0.1:${heldPort}: address already in use; set ${setting}`,
    });
  });
});
