import type { DestinationConfig } from '@hookrelay/config';
import { decodeBody, type DeliveryJobData } from '@hookrelay/queue';
import { parseBody, providerFor, valueAt, type BodyFormat } from '@hookrelay/verifiers';
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

/** What an envelope needs of the event's source: how its body parses, where its provider object sits. */
export interface EnvelopeSource {
  readonly verifyType: string;
  readonly format: BodyFormat;
}

function envelope(job: DeliveryJobData, raw: Buffer, source: EnvelopeSource): Buffer {
  let parsed: unknown;
  try {
    parsed = parseBody(raw, source.format);
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
      data: envelopeData(parsed, source.verifyType),
    }),
  );
}

/** Headers that frame the message or the connection: only the HTTP client may set them. */
const FRAMING_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

/**
 * Every header of one attempt, lowest precedence first (see buildDeliveryRequest); names are set
 * one by one on a fresh object, which costs a fraction of spreading them (once per attempt).
 */
function assign(headers: Record<string, string>, from: Readonly<Record<string, string>>): void {
  for (const name in from) headers[name] = from[name]!;
}

/**
 * A job's forwarded headers (raw format), names lower-cased so that the headers set after them
 * override them whatever their case. A job can be added or edited by hand (Bull Board, Redis), so
 * it is the least trusted source of headers and never sets framing ones (nor `__proto__`, which is
 * no header).
 */
function forwardHeaders(headers: Record<string, string>, job: DeliveryJobData): void {
  for (const name in job.headers) {
    const lower = name.toLowerCase();
    if (!FRAMING_HEADERS.has(lower) && lower !== '__proto__') headers[lower] = job.headers[name]!;
  }
}

/**
 * Builds the POST to the backend for one attempt: body in the destination's format and every header
 * docs/contract.md §5 names. Precedence, lowest first: the job's forwarded headers, the destination's configured
 * headers (its credentials must not be overridable from a job), then the relay's own headers.
 */
export function buildDeliveryRequest(
  job: DeliveryJobData,
  destination: DestinationConfig,
  options: { attempt: number; source: EnvelopeSource; signer?: RelaySigner; nowMs: number },
): DeliveryRequest {
  const raw = decodeBody(job);
  const isRaw = destination.format === 'raw';
  const body = isRaw ? raw : envelope(job, raw, options.source);
  const headers: Record<string, string> = {};
  if (isRaw) forwardHeaders(headers, job);
  assign(headers, destination.headers);
  headers['content-type'] = isRaw
    ? (job.contentType ?? 'application/octet-stream')
    : 'application/json';
  headers['user-agent'] = 'hookrelay';
  headers['x-hookrelay-id'] = job.id;
  headers['x-hookrelay-source'] = job.source;
  headers['x-hookrelay-attempt'] = String(options.attempt);
  headers['x-hookrelay-received-at'] = new Date(job.receivedAt).toISOString();
  headers['x-request-id'] = job.requestId;
  if (job.eventType) headers['x-hookrelay-event-type'] = job.eventType;
  if (options.signer) {
    const timestamp = Math.floor(options.nowMs / 1000);
    headers['webhook-id'] = job.id;
    headers['webhook-timestamp'] = String(timestamp);
    headers['webhook-signature'] = options.signer(job.id, timestamp, body);
  }
  return { url: destination.url, headers, body };
}
