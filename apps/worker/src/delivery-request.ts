import type { DestinationConfig } from '@hookrelay/config';
import { decodeBody, type DeliveryJobData } from '@hookrelay/queue';
import { parseBody, providerFor, valueAt } from '@hookrelay/verifiers';
import type { RelaySigner } from './relay-signature.js';

export interface DeliveryRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Where the provider object sits in a parsed body (`body.data.object` for Stripe), for envelopes. */
function envelopeData(parsed: unknown, verifyType: string): unknown {
  const location = providerFor(verifyType).event?.data;
  if (!location) return parsed;
  return valueAt(parsed, location.split('.').slice(1)) ?? parsed;
}

function envelope(job: DeliveryJobData, raw: Buffer, verifyType: string): Buffer {
  let parsed: unknown;
  try {
    parsed = parseBody(raw, job.contentType);
  } catch {
    parsed = raw.toString('utf8');
  }
  return Buffer.from(
    JSON.stringify({
      id: job.id,
      source: job.source,
      event_type: job.eventType ?? null,
      event_id: job.eventId ?? null,
      received_at: new Date(job.receivedAt).toISOString(),
      data: envelopeData(parsed, verifyType),
    }),
  );
}

/** Builds the POST to the backend for one attempt: body in the destination's format and every header SPEC §5 names. */
export function buildDeliveryRequest(
  job: DeliveryJobData,
  destination: DestinationConfig,
  options: { attempt: number; verifyType: string; signer?: RelaySigner; nowMs: number },
): DeliveryRequest {
  const raw = decodeBody(job);
  const isRaw = destination.format === 'raw';
  const body = isRaw ? raw : envelope(job, raw, options.verifyType);
  const headers: Record<string, string> = {
    ...destination.headers,
    ...(isRaw ? job.headers : {}),
    'content-type': isRaw ? (job.contentType ?? 'application/octet-stream') : 'application/json',
    'user-agent': 'hookrelay',
    'x-hookrelay-id': job.id,
    'x-hookrelay-source': job.source,
    'x-hookrelay-attempt': String(options.attempt),
    'x-hookrelay-received-at': new Date(job.receivedAt).toISOString(),
    'x-request-id': job.requestId,
  };
  if (job.eventType) headers['x-hookrelay-event-type'] = job.eventType;
  if (options.signer) {
    const timestamp = Math.floor(options.nowMs / 1000);
    headers['webhook-id'] = job.id;
    headers['webhook-timestamp'] = String(timestamp);
    headers['webhook-signature'] = options.signer(job.id, timestamp, body);
  }
  return { url: destination.url, headers, body };
}
