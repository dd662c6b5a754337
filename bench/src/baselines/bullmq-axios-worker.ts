/**
 * The bare worker: a BullMQ Worker whose processor is one axios POST of the job's body to the
 * backend, with the job's headers and Content-Type, at the same concurrency as hookrelay's worker.
 * No circuit breaker, no event log, no attempt log, no relay headers. It reads the jobs hookrelay's
 * ingress writes (the drain) and those of baselines/express-queue.ts (the bare pipeline) alike.
 * Forked by perf/drain.ts and perf/end-to-end.ts as plain JavaScript:
 *   node bullmq-axios-worker.js <redis url> <prefix> <queue name> <backend url> <concurrency>
 * Says {type: 'running'} over IPC once its worker is ready; closes its worker on SIGTERM.
 */
import axios from 'axios';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

interface JobData {
  readonly body: string;
  readonly contentType?: string;
  readonly headers: Record<string, string>;
}

const [redisUrl, prefix, queueName, url, concurrency] = process.argv.slice(2);
const connection = new Redis(redisUrl!, { maxRetriesPerRequest: null });
const worker = new Worker<JobData>(
  queueName!,
  async (job) => {
    const { body, contentType, headers } = job.data;
    await axios.post(url!, body, {
      headers: { 'content-type': contentType ?? 'application/json', ...headers },
    });
  },
  { connection, prefix, concurrency: Number(concurrency) },
);
worker.on('error', () => undefined);
void worker.waitUntilReady().then(() => process.send?.({ type: 'running' }));
process.once('SIGTERM', () => {
  void worker
    .close()
    .then(() => connection.quit())
    .finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
