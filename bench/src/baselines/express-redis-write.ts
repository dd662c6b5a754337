/**
 * The durable floor: an Express 5 app that reads the raw body, writes it to Redis with one ioredis
 * LPUSH (the Redis of the bench: AOF, appendfsync always, so the answer waits for the disk as the
 * ingress's does), then answers 202. What any Express app that makes a webhook durable before
 * answering must pay at least. Forked by perf/throughput.ts as plain JavaScript:
 *   node express-redis-write.js <port> <redis url> [--auto-pipelining]
 * `--auto-pipelining`: ioredis `enableAutoPipelining: true` (commands of one tick leave in one
 * write, as the ingress's producer connection does). Says {type: 'listening'} over IPC.
 */
import express from 'express';
import { Redis } from 'ioredis';

const [portArgument, redisUrl, flag] = process.argv.slice(2);
const redis = new Redis(redisUrl!, { enableAutoPipelining: flag === '--auto-pipelining' });
const app = express();
app.post(
  '/webhooks/stripe',
  express.raw({ type: () => true, limit: '1mb' }),
  async (request, response) => {
    try {
      await redis.lpush('floor:webhooks', request.body as Buffer);
      response.status(202).json({ received: true });
    } catch {
      response.status(503).json({ error: 'queue_unavailable' });
    }
  },
);
redis.once('ready', () =>
  app.listen(Number(portArgument), '127.0.0.1', () => process.send?.({ type: 'listening' })),
);
process.on('disconnect', () => process.exit(0));
