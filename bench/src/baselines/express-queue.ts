/**
 * The bare pipeline's ingress: an Express 5 app that reads the raw body and adds one BullMQ job,
 * `queue.add('event', {body, headers, contentType})` (the Stripe signature and Content-Type kept, as
 * the ingress keeps them), then answers 202. No verification, no de-duplication, no event log.
 * Forked by perf/end-to-end.ts as plain JavaScript:
 *   node express-queue.js <port> <redis url> <prefix> <queue name>
 * Says {type: 'listening'} over IPC once Redis is ready and it listens.
 */
import express from 'express';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const [portArgument, redisUrl, prefix, queueName] = process.argv.slice(2);
const connection = new Redis(redisUrl!, { maxRetriesPerRequest: null });
const queue = new Queue(queueName!, { connection, prefix });
const app = express();
app.post(
  '/webhooks/stripe',
  express.raw({ type: () => true, limit: '1mb' }),
  async (request, response) => {
    try {
      const job = await queue.add('event', {
        body: (request.body as Buffer).toString('utf8'),
        contentType: request.get('content-type'),
        headers: { 'stripe-signature': request.get('stripe-signature') ?? '' },
      });
      response.status(202).json({ received: true, id: job.id });
    } catch {
      response.status(503).json({ error: 'queue_unavailable' });
    }
  },
);
connection.once('ready', () =>
  app.listen(Number(portArgument), '127.0.0.1', () => process.send?.({ type: 'listening' })),
);
process.on('disconnect', () => process.exit(0));
