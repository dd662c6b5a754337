/**
 * Sends N signed webhooks to a running stack (npm start) and waits until the demo backend has them all.
 *   npm run send -w bench -- --count 10000 --concurrency 50 --source payment --duplicates 500
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '@hookrelay/config';
import { signRequest, verifyPlugin } from '@hookrelay/verifiers';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '50' },
    source: { type: 'string', default: 'payment' },
    duplicates: { type: 'string', default: '0' },
    ingress: { type: 'string' },
    backend: { type: 'string' },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const duplicates = Number(values.duplicates);
const config = loadConfig({ verify: verifyPlugin });
const source = config.sources.find((s) => s.name === values.source);
if (!source) throw new Error(`no source ${values.source} in the config`);
const ingress = values.ingress ?? `http://127.0.0.1:${config.ingress.port}`;
const backend = values.backend ?? `http://127.0.0.1:${config.demoBackend.port}`;
const url = `${ingress}${source.paths[0]}`;
const run = Date.now().toString(36);

const statusCounts = new Map<number, number>();
const latencies: number[] = [];
let next = 0;

async function sendOne(index: number): Promise<void> {
  const body = Buffer.from(
    JSON.stringify({
      transaction_id: `TX-${run}-${index}`,
      event: 'payment.succeeded',
      amount: 1000 + index,
      currency: 'XOF',
    }),
  );
  const headers = {
    'content-type': 'application/json',
    ...signRequest(source!.verify, body, { url }),
  };
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.arrayBuffer();
  latencies.push(performance.now() - started);
  statusCounts.set(response.status, (statusCounts.get(response.status) ?? 0) + 1);
}

async function lane(): Promise<void> {
  while (next < count + duplicates) {
    const i = next++;
    await sendOne(i < count ? i : i - count); // the last `duplicates` requests repeat earlier events
  }
}

// `delivered`: events answered 2xx, each once (a 429 or 5xx the demo backend answered is not one).
type Stats = { delivered: number };
const before = (await (await fetch(`${backend}/deliveries/stats`)).json()) as Stats;
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, lane));
const sentMs = performance.now() - started;
const accepted = statusCounts.get(202) ?? 0;
let delivered = 0;
const deadline = Date.now() + 300_000;
while (Date.now() < deadline) {
  const stats = (await (await fetch(`${backend}/deliveries/stats`)).json()) as Stats;
  delivered = stats.delivered - before.delivered;
  if (delivered >= accepted) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const totalMs = performance.now() - started;
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
console.log(
  JSON.stringify(
    {
      sent: count + duplicates,
      statuses: Object.fromEntries(statusCounts),
      accepted,
      duplicatesAnswered: statusCounts.get(200) ?? 0,
      delivered,
      sendSeconds: +(sentMs / 1000).toFixed(2),
      allDeliveredSeconds: +(totalMs / 1000).toFixed(2),
      ackLatencyMs: { p50: pct(50), p95: pct(95), p99: pct(99) },
      ingestPerSecond: Math.round((count + duplicates) / (sentMs / 1000)),
    },
    null,
    2,
  ),
);
