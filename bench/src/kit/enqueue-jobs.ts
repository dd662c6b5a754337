/**
 * Delivery jobs written directly with EventEnqueuer (@hookrelay/queue), from this process, for the
 * bare BullMQ + axios worker: the same Stripe events the load generator sends (kit/stripe-requests),
 * each made into the IncomingEvent apps/ingress makes of a request (ids, type, Content-Type, the
 * forwarded stripe-signature, the body as received, the de-duplication id `stripe.<event id>`, the
 * received headers masked). These are the jobs hookrelay delivers: the ingress writes them itself,
 * or, with the inbox (docs/inbox.md), the worker's intake writes them from what the ingress wrote;
 * a bare BullMQ worker can read only jobs. Not run on its own.
 */
import type { HookrelayConfig } from '@hookrelay/config';
import { REDACTED } from '@hookrelay/logger';
import { EventEnqueuer, newEventId } from '@hookrelay/queue';
import Stripe from 'stripe';
import { inLanes } from './lanes.js';
import { quietRedis, ready } from './redis.js';
import {
  STRIPE_EVENT_TYPE,
  eventIdOf,
  stripeBody,
  type StripeRequestSpec,
} from './stripe-requests.js';
import { SOURCE } from './hookrelay-apps.js';

export interface JobsWritten {
  readonly accepted: number;
  readonly failed: number;
  readonly seconds: number;
}

/** Writes events 0 … count - 1 of `spec`, `lanes` enqueue() calls at a time. */
export async function enqueueJobs(
  config: HookrelayConfig,
  spec: StripeRequestSpec,
  count: number,
  lanes: number,
): Promise<JobsWritten> {
  const producer = quietRedis(config.redis, 'producer', 'bench-jobs');
  await ready(producer);
  let errors = 0;
  const enqueuer = new EventEnqueuer(config, producer, { onError: () => (errors += 1) });
  let accepted = 0;
  let failed = 0;
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const seconds = await inLanes(count, lanes, async (index) => {
      const body = stripeBody(spec, index, timestamp);
      const signature = Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: spec.secret,
        timestamp,
      });
      const receivedAt = Date.now();
      const eventId = eventIdOf(spec.tag, index);
      const contentType = 'application/json; charset=utf-8';
      try {
        const result = await enqueuer.enqueue(
          {
            id: newEventId(receivedAt),
            source: SOURCE,
            requestId: `bench-${spec.tag}-${index}`,
            receivedAt,
            eventId,
            eventType: STRIPE_EVENT_TYPE,
            contentType,
            headers: { 'stripe-signature': signature },
            body,
            bodyEncoding: 'utf8',
          },
          {
            dedupeId: `${SOURCE}.${eventId}`,
            receivedHeaders: {
              host: spec.host,
              'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
              'content-type': contentType,
              'content-length': String(Buffer.byteLength(body)),
              'stripe-signature': REDACTED,
            },
          },
        );
        if (result.status === 'accepted') accepted += 1;
        else failed += 1;
      } catch {
        failed += 1;
      }
    });
    return { accepted, failed: failed + errors, seconds };
  } finally {
    await enqueuer.close();
    await producer.quit().catch(() => producer.disconnect());
  }
}
