import { expect } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { post, type Relay } from './harness.js';
import type { Headers, ProviderCase, ProviderEvent } from './provider-cases.js';

export const nowS = () => Math.floor(Date.now() / 1000);

/** Where a source's raw deliveries land on the demo backend; envelopes go to `<path>/envelope`. */
export const backendPath = (source: string) => `/p/${source}`;

/** One source of the relay's YAML: a raw destination, and an envelope one when the case asks. */
export function sourceYaml(c: ProviderCase): string {
  const destinations = [`      - { name: raw, url: "\${BACKEND_URL}${backendPath(c.source)}" }`];
  if (c.envelope) {
    destinations.push(
      `      - { name: envelope, url: "\${BACKEND_URL}${backendPath(c.source)}/envelope", format: envelope }`,
    );
  }
  return [
    `  ${c.source}:`,
    `    verify: ${c.verify}`,
    ...(c.event ? [`    event: ${c.event}`] : []),
    '    destinations:',
    ...destinations,
    '',
  ].join('\n');
}

export interface SendOptions {
  readonly secret?: string;
  readonly timestampS?: number;
  /** Headers left out after signing. */
  readonly drop?: readonly string[];
  /** A body sent instead of the signed one. */
  readonly body?: Buffer;
  /** Appended to the path, e.g. a query string. */
  readonly query?: string;
}

/** Signs `event` the way its provider would (current secret, now) and POSTs it to the source. */
export async function sendSigned(
  relay: Relay,
  c: ProviderCase,
  event: ProviderEvent,
  options: SendOptions = {},
) {
  const path = `/webhooks/${c.source}${options.query ?? ''}`;
  const url = c.publicUrl ? `${c.publicUrl}${options.query ?? ''}` : `${relay.ingress.url}${path}`;
  const signature = await c.sign({
    secret: options.secret ?? c.secrets.at(-1) ?? '',
    event,
    timestampS: options.timestampS ?? nowS(),
    url,
  });
  const headers: Headers = { ...event.headers, ...signature };
  for (const name of options.drop ?? []) delete headers[name];
  const answer = await post(relay, path, options.body ?? event.body, headers);
  return { answer, headers, url };
}

/** Every job of every destination of a source, whatever its state: rejected requests must not add any. */
/** The source's delivery jobs once every acknowledged event is one (Relay.settled). */
export async function jobsOf(relay: Relay, source: string): Promise<number> {
  await relay.settled();
  const destinations = relay.config.sources.find((s) => s.name === source)!.destinations;
  let total = 0;
  for (const destination of destinations) {
    const counts = await relay.queue(source, destination.name).getJobCounts();
    total += Object.values(counts).reduce((sum, count) => sum + count, 0);
  }
  return total;
}

export function deliveryOf(relay: Relay, path: string, id: string) {
  return waitFor(() => relay.backend.store.list({ path, id }).at(0), {
    what: `delivery ${id} at ${path}`,
  });
}

type Rejection = [
  status: 400 | 401,
  code: string,
  when: string,
  change: (event: ProviderEvent) => SendOptions,
];

/** The ways a request to this provider's source can be wrong, each with the answer it must get. */
export function rejectionsOf(c: ProviderCase): Rejection[] {
  const rejections: Rejection[] = [];
  const { tamper, wrongSecret } = c;
  if (tamper) {
    rejections.push([
      400,
      'signature_invalid',
      'its body was tampered with',
      (event) => ({ body: tamper(event.body) }),
    ]);
  }
  if (wrongSecret) {
    rejections.push([
      400,
      'signature_invalid',
      'signed with another secret',
      () => ({ secret: wrongSecret }),
    ]);
  }
  if (c.signatureHeaders.length > 0) {
    const drop = c.signatureHeaders;
    rejections.push([
      401,
      'signature_missing',
      `sent without ${drop.join(', ')}`,
      () => ({ drop }),
    ]);
  }
  if (c.timestamped) {
    rejections.push(
      [
        400,
        'timestamp_out_of_tolerance',
        'its signed timestamp is ten minutes old',
        () => ({ timestampS: nowS() - 600 }),
      ],
      [
        400,
        'timestamp_out_of_tolerance',
        'its signed timestamp is ten minutes in the future',
        () => ({ timestampS: nowS() + 600 }),
      ],
    );
  }
  return rejections;
}

type Answer = Awaited<ReturnType<typeof post>>;

/** Runs `send`, expects the rejection, and checks that no job appeared for the source. */
export async function expectRejected(
  relay: Relay,
  source: string,
  send: () => Promise<Answer | { answer: Answer }>,
  status: 400 | 401,
  code: string,
): Promise<void> {
  const before = await jobsOf(relay, source);
  const result = await send();
  const answer = 'answer' in result ? result.answer : result;
  expect(answer.status).toBe(status);
  expect(answer.body).toMatchObject({ error: { code } });
  expect(await jobsOf(relay, source)).toBe(before);
}
