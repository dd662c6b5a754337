import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@hookrelay/testing';
import { post, startRelay, type Relay } from './harness.js';

const WORKER_ENTRY = fileURLToPath(new URL('../../apps/worker/dist/index.js', import.meta.url));
const EVENTS = 150;

describe('a worker killed with SIGKILL mid-delivery', () => {
  let relay: Relay;
  let dir: string;
  let configFile: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    const yaml = `
worker: { concurrency: 10, lockDuration: 2s, port: ${await freePort()} }
sources:
  payment:
    verify: { type: none }
    event: { id: body.transaction_id }
    destination: { url: \${BACKEND_URL}/webhooks/payment }
    retry: { attempts: 10, backoff: fixed, delay: 100ms }
`;
    relay = await startRelay({ workers: false, yaml });
    dir = mkdtempSync(join(tmpdir(), 'hookrelay-crash-'));
    configFile = join(dir, 'hookrelay.yaml');
    writeFileSync(
      configFile,
      `redis: { url: ${relay.redis.url}, prefix: test }\n${yaml.replaceAll('${BACKEND_URL}', relay.backend.url)}`,
    );
    relay.backend.rules.set([{ delayMs: 150 }]);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startWorkerProcess(): ChildProcess {
    const child = spawn(process.execPath, [WORKER_ENTRY], {
      env: { ...process.env, HOOKRELAY_CONFIG: configFile },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  it('loses nothing: after a restart every acknowledged event is delivered at least once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const answer = await post(
        relay,
        '/webhooks/payment',
        JSON.stringify({ transaction_id: `TX-${i}`, amount: 1000 + i, currency: 'XOF' }),
      );
      expect(answer.status).toBe(202);
      ids.push(answer.body!.id as string);
    }

    const first = startWorkerProcess();
    await waitFor(() => relay.backend.store.list().length >= 20, { what: 'deliveries in flight' });
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    const deliveredBeforeCrash = new Set(
      relay.backend.store.list().map((d) => d.headers['x-hookrelay-id']),
    );
    expect(deliveredBeforeCrash.size).toBeLessThan(EVENTS);

    startWorkerProcess();
    const queue = relay.queue('payment');
    await waitFor(async () => (await queue.getJobCounts('completed')).completed === EVENTS, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'every event completed after the restart',
    });
    const delivered = new Set(relay.backend.store.list().map((d) => d.headers['x-hookrelay-id']));
    for (const id of ids) expect(delivered.has(id)).toBe(true);
    expect(await queue.getJobCounts('failed', 'active', 'waiting', 'delayed')).toEqual({
      failed: 0,
      active: 0,
      waiting: 0,
      delayed: 0,
    });
  });
});
