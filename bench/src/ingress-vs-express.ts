/**
 * Ingress throughput against a bare Express app that answers 202 and does nothing, in one run:
 * the same signed requests, the same connections, each server alone on the machine in turn.
 *   npm run bench                       (10 s per round, 2 rounds)
 *   npm run bench -- --duration 3 --rounds 1
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { RedisServer } from '@hookrelay/redis-server';
import { signRequest } from '@hookrelay/verifiers';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-'));
const SECRET = 'bench-secret';
const PATH = '/webhooks/payment';

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

function start(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (child: ChildProcess) => Promise<void>,
): Promise<ChildProcess> {
  const child = fork(entry, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
  });
  return ready(child).then(() => child);
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${url} never answered`);
}

// Unique, validly signed payment events, cycled through by every connection.
const verify = {
  type: 'hmac',
  header: 'x-signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: '',
  secret: [SECRET],
};
const requests = Array.from({ length: 50_000 }, (_, i) => {
  const body = Buffer.from(
    JSON.stringify({
      transaction_id: `TX-${Date.now()}-${i}`,
      event: 'payment.succeeded',
      amount: 1000 + i,
      currency: 'XOF',
    }),
  );
  return {
    body,
    headers: { 'content-type': 'application/json', ...signRequest(verify, body, { url: '' }) },
  };
});
let next = 0;

async function load(
  port: number,
): Promise<{ rps: number; p50: number; p99: number; non2xx: number }> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path: PATH,
        setupRequest: (request) => {
          const { body, headers } = requests[next++ % requests.length]!;
          return { ...request, body, headers };
        },
      },
    ],
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
}

const redis = await new RedisServer({ port: 6391, dir: join(dir, 'redis'), durable: true }).start();
const config = join(dir, 'hookrelay.yaml');
writeFileSync(
  config,
  `redis: { url: "${redis.url}", prefix: bench }
ingress: { port: 5101 }
log: { level: warn }
sources:
  payment:
    verify: { type: hmac, header: x-signature, secret: ${SECRET} }
    event: { id: body.transaction_id, type: body.event }
    destination: { url: "http://127.0.0.1:9/unused" }
`,
);

const rows: Record<string, unknown>[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const bare = await start(
      here('./bare-express.ts'),
      ['5100'],
      {},
      (child) => new Promise((resolve) => child.once('message', () => resolve())),
    );
    const baseline = await load(5100);
    const baselineRss = rssMb(bare);
    bare.kill();

    const ingress = await start(
      here('../../apps/ingress/dist/index.js'),
      [],
      { HOOKRELAY_CONFIG: config },
      () => waitForHttp('http://127.0.0.1:5101/healthz'),
    );
    const relay = await load(5101);
    const relayRss = rssMb(ingress);
    ingress.kill();

    rows.push({
      round,
      bareExpress: { ...baseline, rssMb: baselineRss },
      ingress: { ...relay, rssMb: relayRss },
      throughputRatio: +(relay.rps / baseline.rps).toFixed(3),
    });
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ connections, durationSeconds: duration, rounds: rows }, null, 2));
