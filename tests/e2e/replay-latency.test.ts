import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@hookrelay/testing';
import { startDashboard, type Dashboard } from './dashboard-harness.js';
import { post, startRelay, type Relay } from './harness.js';

const WORKER_ENTRY = fileURLToPath(new URL('../../apps/worker/dist/index.js', import.meta.url));
const DEAD = 5_000;
const LIVE = 80;
const LIVE_INTERVAL_MS = 25;
const BACKEND_DELAY_MS = 5;

interface Latencies {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

function summarize(values: readonly number[]): Latencies {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1)! };
}

const show = ({ p50, p95, max }: Latencies) => `p50 ${p50} / p95 ${p95} / max ${max} ms`;

/**
 * The worker runs as its own process, as it is deployed (npm start, docker compose), so the
 * replay's deliveries and the test's own HTTP traffic do not share one event loop.
 */
describe('a bulk replay does not slow live traffic down', () => {
  let relay: Relay;
  let dashboard: Dashboard;
  let worker: ChildProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    const yaml = `
worker: { concurrency: 20, port: ${await freePort()} }
log: { level: warn }
sources:
  payments:
    verify: { type: none }
    event: { id: body.id }
    destination: { url: \${BACKEND_URL}/payments }
    retry: { attempts: 1 }
`;
    relay = await startRelay({ workers: false, yaml });
    dashboard = await startDashboard(relay);
    dir = mkdtempSync(join(tmpdir(), 'hookrelay-latency-'));
    const configFile = join(dir, 'hookrelay.yaml');
    writeFileSync(
      configFile,
      `redis: { url: ${relay.redis.url}, prefix: test }\n${yaml.replaceAll('${BACKEND_URL}', relay.backend.url)}`,
    );
    worker = spawn(process.execPath, [WORKER_ENTRY], {
      env: { ...process.env, HOOKRELAY_CONFIG: configFile },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }, 60_000);
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await dashboard?.close();
    await relay?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const counts = async () => (await dashboard.ops.sourceCounts('payments'))[0]!.destinations[0]!;

  /** Sends LIVE events at a steady pace; resolves with each one's time from POST to arrival at the backend. */
  async function liveLatencies(tag: string): Promise<{ latencies: number[]; lastSentAt: number }> {
    const sent: { id: string; at: number }[] = [];
    for (let n = 0; n < LIVE; n++) {
      const at = Date.now();
      const answer = await post(
        relay,
        '/webhooks/payments',
        JSON.stringify({ id: `live-${tag}-${n}`, amount: 100 }),
      );
      expect(answer.status).toBe(202);
      sent.push({ id: answer.body!.id as string, at });
      await new Promise((resolve) => setTimeout(resolve, LIVE_INTERVAL_MS)); // the live traffic's pace, not a wait for a result
    }
    const lastSentAt = Date.now();
    const latencies = await waitFor(
      () => {
        const arrivals = sent.map(({ id, at }) => {
          const delivery = relay.backend.store.list({ id }).at(0);
          return delivery ? Date.parse(delivery.at) - at : undefined;
        });
        return arrivals.every((ms) => ms !== undefined) ? (arrivals as number[]) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${tag} live deliveries` },
    );
    return { latencies, lastSentAt };
  }

  it(`${DEAD} dead events replayed while live events flow: live latency stays within 2× of the no-replay case`, async () => {
    // The dead letters are made the real way: the backend refuses them (400 is not retried).
    relay.backend.rules.set([{ path: '/payments', status: 400 }]);
    for (let start = 0; start < DEAD; start += 100) {
      const batch = Array.from({ length: Math.min(100, DEAD - start) }, (_, i) => start + i);
      await Promise.all(
        batch.map((n) =>
          post(relay, '/webhooks/payments', JSON.stringify({ id: `old-${n}`, amount: 1 })),
        ),
      );
    }
    await waitFor(async () => (await counts()).dead === DEAD, {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: 'the dead letters',
    });
    relay.backend.store.clear();
    relay.backend.rules.set([{ path: '/payments', delayMs: BACKEND_DELAY_MS }]);

    const baseline = summarize((await liveLatencies('baseline')).latencies);

    const replayStarted = Date.now();
    const replay = dashboard.api('/api/dead-letters/replay', { source: 'payments' });
    const during = await liveLatencies('during');
    expect((await replay).body).toEqual({ replayed: DEAD, skipped: 0 });
    await waitFor(async () => (await counts()).delivered >= DEAD + 2 * LIVE, {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: 'every replay delivered',
    });
    const replayDrainedMs =
      Math.max(...relay.backend.store.list().map((d) => Date.parse(d.at))) - replayStarted;
    const replaysDuringLive = relay.backend.store
      .list()
      .filter(
        (d) => Date.parse(d.at) <= during.lastSentAt && !String(d.body).includes('"live-'),
      ).length;
    const withReplay = summarize(during.latencies);

    console.log(
      `[replay-latency] live events, POST → backend: without replay ${show(baseline)}; ` +
        `during a ${DEAD}-event replay ${show(withReplay)}; ` +
        `${replaysDuringLive} replays delivered while the ${LIVE} live events were sent; replay drained in ${replayDrainedMs} ms`,
    );
    // The replay really overlapped the live traffic.
    expect(replaysDuringLive).toBeGreaterThan(0);
    expect(replayDrainedMs).toBeGreaterThan(during.lastSentAt - replayStarted);
    // Generous bounds: 2×, plus a few milliseconds for timer granularity on a busy 2-core machine.
    expect(withReplay.p50).toBeLessThanOrEqual(2 * baseline.p50 + 5);
    expect(withReplay.p95).toBeLessThanOrEqual(2 * baseline.p95 + 20);
    expect((await counts()).dead).toBe(0);
  }, 300_000);
});
