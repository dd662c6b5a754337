import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type HookrelayConfig } from '@hookrelay/config';
import { createRedis, deliveryQueueName, type RedisClient } from '@hookrelay/queue';
import { freePort, startTestRedis, waitFor, type TestRedis } from '@hookrelay/testing';
import {
  PROVIDERS,
  providerFor,
  sampleRequest,
  signPaypalTransmission,
  signRequest,
  verifyConfigSchema,
  verifyPlugin,
  type VerifyConfig,
} from '@hookrelay/verifiers';
import { appEntry, runNode, type AppRun } from './app-process.js';
import { CASES, type ProviderCase, type ProviderEvent } from './provider-cases.js';
import { sourceYaml } from './provider-relay.js';

/*
 * Bad input at volume (docs/contract.md §4, §8 "Bad input never crashes a process and is never
 * enqueued"): generated requests against the ingress as its own process, with a real Redis. Every
 * request's answer is derived from the generated case — the contract's status and error code, or,
 * for bytes Node's HTTP parser refuses before the app sees them, Node's own bare status — and
 * compared exactly. At the end the process has never exited and still answers /healthz, no key was
 * written to Redis (no job in any delivery queue, no event-log key), and its RSS after the run is
 * within RSS_SLACK_MB of its RSS after a warm-up (see WARM_UP and CHILD_NODE_OPTIONS).
 *
 * FUZZ_SEED reproduces a run (the seed is printed); FUZZ_RUNS changes the number of requests.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
/**
 * Warm-up: batches of WARM_UP requests (at least one), until WARM_UP_SETTLED_BATCHES batches in a row
 * add at most WARM_UP_SETTLED_MB of RSS, or WARM_UP_MAX requests. With Node's default flags V8 grows
 * its heap over the first several thousand requests of this mix (heap in use stays flat); measuring
 * after 500 would report that growth as a leak.
 */
const WARM_UP = 500;
const WARM_UP_MAX = 12_000;
const WARM_UP_SETTLED_BATCHES = 4;
const WARM_UP_SETTLED_MB = 3;
/**
 * The measured ingress runs with a bounded heap. With Node's defaults on a large machine V8 lets
 * garbage pile up: over 10,000 requests of this mix its RSS grew 85–90 MB (heap total 63 → 120 MB)
 * while the heap in use stayed at 25–100 MB between collections, and it kept growing with
 * throughput; with the heap bounded RSS measures what the process keeps, and a leak shows as growth
 * (or as the process dying, which the test also checks). FUZZ_CHILD_NODE_OPTIONS overrides it
 * (`FUZZ_CHILD_NODE_OPTIONS=` for Node's defaults).
 */
const CHILD_NODE_OPTIONS =
  process.env.FUZZ_CHILD_NODE_OPTIONS ?? '--max-old-space-size=128 --max-semi-space-size=2';
const IN_FLIGHT = 20;
const ANSWER_DEADLINE_MS = 10_000;
const RSS_SLACK_MB = 20;
const PREFIX = 'fuzz';
/** Each source's bodyLimit (ingress.bodyLimit), small so that bodies over it stay cheap to send. */
const BODY_LIMIT = 64 * 1024;
/** Node's default --max-http-header-size: 16 KiB. Heads stay well under it, or go well over. */
const SMALL_HEAD_MAX = 12 * 1024;
const HUGE_HEAD_MIN = 20 * 1024;

const PAYPAL_WEBHOOK_IDS = ['WH-PREVIOUS-1A2B3C4D', '9XL90610J3647323C'];
/** A PAYPAL-CERT-URL of the allowed form: only ever sent with a time the tolerance refuses first. */
const PAYPAL_CERT_URL =
  'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77';
/** PAYPAL-CERT-URLs refused before any request leaves (README "Providers", PayPal). */
const FOREIGN_CERT_URLS = [
  'http://api.paypal.com/v1/notifications/certs/CERT-1',
  'https://127.0.0.1:8443/v1/notifications/certs/CERT-1',
  'https://api.paypal.com@127.0.0.1/v1/notifications/certs/CERT-1',
  'https://api.paypal.com:8443/v1/notifications/certs/CERT-1',
  'https://api.paypal.com/v1/notifications/certs/CERT-1?x=1',
  'https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1',
  'https://api.paypal.com/v2/other/CERT-1',
  'not a url',
];

// ---------------------------------------------------------------------------------------------
// The sources: every verify type and alias of the catalogue, each on /api/webhooks/<name> and
// /webhooks/<name>.

const PAYPAL_SOURCE = `  paypal:
    verify: { type: paypal, webhookId: ${JSON.stringify(PAYPAL_WEBHOOK_IDS)} }
    destination: { url: "\${BACKEND_URL}/p/paypal" }
`;
const SOURCES = [...CASES.map(sourceYaml), PAYPAL_SOURCE]
  .join('')
  .replace(
    /^ {2}([a-z0-9_-]+):$/gm,
    (line, name: string) => `${line}\n    path: /api/webhooks/${name}`,
  );
const YAML = `redis: { url: \${REDIS_URL}, prefix: ${PREFIX} }
log: { level: warn }
ingress: { host: 127.0.0.1, port: \${PORT}, bodyLimit: ${BODY_LIMIT} }
sources:
${SOURCES}`;

type Verdict = 'valid' | 'signature_invalid' | 'signature_missing' | 'timestamp_out_of_tolerance';

/** Where a source reads its event id and type, and how it parses its body (the catalogue's defaults). */
interface Reading {
  readonly id?: string;
  readonly type?: string;
  readonly format: 'json' | 'form';
}

interface Route {
  readonly name: string;
  readonly paths: readonly string[];
  /** The provider's signature and credential headers: none of them is "unsigned" (401 on headers alone). */
  readonly signatureHeaders: readonly string[];
  readonly reading: Reading;
  /** Undefined for PayPal, whose requests only PayPal can sign. */
  readonly case?: ProviderCase;
}

function readingOf(type: string): Reading {
  const provider = providerFor(type);
  const locations = provider.event ?? provider.sample?.event ?? {};
  return { id: locations.id, type: locations.type, format: provider.bodyFormat ?? 'json' };
}

const ROUTES: readonly Route[] = [
  ...CASES.map((c) => ({
    name: c.source,
    paths: [`/api/webhooks/${c.source}`, `/webhooks/${c.source}`],
    signatureHeaders: c.signatureHeaders,
    reading: readingOf(c.type),
    case: c,
  })),
  {
    name: 'paypal',
    paths: ['/api/webhooks/paypal', '/webhooks/paypal'],
    signatureHeaders: ['paypal-transmission-sig'],
    reading: readingOf('paypal'),
  },
];
const ROUTE_PATHS = new Set(ROUTES.flatMap((route) => route.paths));

// ---------------------------------------------------------------------------------------------
// Requests on the wire: raw bytes, so that duplicate headers, binary header bytes, broken framing
// and half-sent bodies can be sent as they are.

type HeaderLine = readonly [name: string, value: string | Buffer];

interface Wire {
  readonly method: string;
  readonly bytes: readonly Buffer[];
  /** Half-close after sending (a client that stops mid-body). */
  readonly halfClose?: boolean;
}

/** What the ingress must answer. */
type Expected =
  /** docs/contract.md §4: this status and, but for HEAD, `{"error":{"code"}}`. */
  | { readonly by: 'contract'; readonly status: number; readonly code: string }
  /** Refused by Node's HTTP parser before the app sees it: its own status, the connection closed. */
  | { readonly by: 'node'; readonly status: number; readonly why: string };

interface Case {
  readonly category: string;
  /** The source it was sent to, for the summary. */
  readonly source?: string;
  readonly detail: string;
  /** The change first drawn still verified (a body the scheme does not sign…) and was replaced. */
  readonly converted?: boolean;
  readonly wire: Wire;
  readonly expected: Expected;
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');

function frame(
  method: string,
  target: string,
  headers: readonly HeaderLine[],
  body: Buffer | undefined,
  framing: 'length' | 'chunked',
  chunkSize = 4096,
): Buffer[] {
  const head: Buffer[] = [latin1(`${method} ${target} HTTP/1.1\r\n`)];
  for (const [name, value] of headers) head.push(latin1(`${name}: `), latin1String(value), CRLF);
  if (body === undefined) return [Buffer.concat([...head, CRLF])];
  if (framing === 'length') {
    head.push(latin1(`Content-Length: ${body.length}\r\n\r\n`));
    return [Buffer.concat(head), body];
  }
  head.push(latin1('Transfer-Encoding: chunked\r\n\r\n'));
  return [Buffer.concat(head), chunked(body, chunkSize)];
}

const CRLF = latin1('\r\n');
const latin1String = (value: string | Buffer) =>
  typeof value === 'string' ? latin1(value) : value;

function chunked(body: Buffer, size: number, last = true): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(latin1(`${piece.length.toString(16)}\r\n`), piece, CRLF);
  }
  if (last) parts.push(latin1('0\r\n\r\n'));
  return Buffer.concat(parts);
}

interface Received {
  readonly status?: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** No complete answer within the deadline. */
  readonly hung: boolean;
  /** The socket's error (ECONNRESET…), if any. */
  readonly error?: string;
  /** The connection ended before every byte of the request was handed to the kernel. */
  readonly sending?: boolean;
}

/** Sends `wire` on its own connection and reads one answer (skipping 1xx), or what came before close. */
function exchange(port: number, wire: Wire): Promise<Received> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let settled = false;
    let written = 0;
    let error: string | undefined;
    const finish = (hung: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const sending = written < wire.bytes.length;
      resolve({ ...parseAnswer(Buffer.concat(chunks), wire.method), hung, error, sending });
    };
    const timer = setTimeout(() => finish(true), ANSWER_DEADLINE_MS);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (parseAnswer(Buffer.concat(chunks), wire.method).complete) finish(false);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => finish(false));
    socket.on('connect', () => {
      for (const bytes of wire.bytes) socket.write(bytes, (e) => (e ? undefined : written++));
      if (wire.halfClose) socket.end();
    });
  });
}

function parseAnswer(
  raw: Buffer,
  method: string,
): Omit<Received, 'hung' | 'error' | 'sending'> & { readonly complete: boolean } {
  let rest = raw;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return { headers: {}, body: '', complete: false };
    const lines = rest.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const body = rest.subarray(end + 4);
    if (status >= 100 && status < 200) {
      rest = body;
      continue;
    }
    const length = method === 'HEAD' ? 0 : Number(headers['content-length'] ?? NaN);
    const complete = Number.isFinite(length) && body.length >= length;
    return { status, headers, body: body.toString('utf8'), complete };
  }
}

/** What is wrong with `got` for `expected`, or undefined. */
function mismatch(expected: Expected, method: string, got: Received): string | undefined {
  if (got.hung) return `no answer within ${ANSWER_DEADLINE_MS} ms`;
  if (got.status === undefined || Number.isNaN(got.status))
    return `closed without an answer (${got.error ?? 'no error'}${got.sending ? ', still sending' : ''})`;
  const answered = `${got.status} ${got.body.slice(0, 160)}`;
  if (got.status !== expected.status) return `answered ${answered}`;
  if (expected.by === 'node') return undefined;
  if (method === 'HEAD') return undefined;
  let code: unknown;
  try {
    code = (JSON.parse(got.body) as { error?: { code?: unknown } }).error?.code;
  } catch {
    return `answered ${answered}: not JSON`;
  }
  if (code !== expected.code) return `answered ${answered}: code ${String(code)}`;
  if (expected.status === 405 && got.headers.allow !== 'POST') return 'a 405 without Allow: POST';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The model of docs/contract.md §4 the expected answers come from.

const contract = (status: number, code: string): Expected => ({ by: 'contract', status, code });
const VERDICT_STATUS: Record<Exclude<Verdict, 'valid'>, number> = {
  signature_missing: 401,
  signature_invalid: 400,
  timestamp_out_of_tolerance: 400,
};

/** Node trims a header value of spaces and tabs at both ends. */
const trimmed = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

/**
 * What the source reads off a body that verified (§4: parsed as the source says, never by the
 * Content-Type). `ok` is never sent: the generator turns such a case into a refused one. A blank
 * id (`"id": ""`, `"id": "  "`) is no id: 400 event_id_missing.
 */
function readBody(reading: Reading, body: Buffer): 'body_invalid' | 'event_id_missing' | 'ok' {
  const alternatives = (location: string | undefined) => location?.split('|') ?? [];
  const fromBody = (location: string | undefined) =>
    alternatives(location).some((path) => path.startsWith('body.'));
  let parsed: unknown;
  if ((fromBody(reading.id) || fromBody(reading.type)) && body.length > 0) {
    const text = body.toString('utf8');
    if (reading.format === 'form') parsed = Object.fromEntries(new URLSearchParams(text));
    else {
      try {
        parsed = JSON.parse(text);
      } catch {
        return 'body_invalid';
      }
    }
  }
  if (!fromBody(reading.id)) return 'ok';
  const values = alternatives(reading.id).map((path) => {
    let value = parsed;
    for (const key of path.split('.').slice(1)) {
      value =
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  });
  const id = values.length > 1 ? values.find((v) => v !== undefined && v !== '') : values[0];
  // A blank id is no id (docs/contract.md §4).
  return id === undefined || id.trim() === '' ? 'event_id_missing' : 'ok';
}

interface Draft {
  readonly headers: HeaderLine[];
  readonly body: Buffer;
  /** What verification says of it, should it get that far. */
  readonly verdict: Verdict;
  /** Framing broken by the client: half-sent then closed, or a bad chunk size. */
  readonly broken?: 'half-sent' | 'bad-chunk';
}

/** §4 in order: unsigned (on headers alone) → broken framing while the body is read → 413 → verdict → body. */
function expectedOf(route: Route, draft: Draft): Expected | 'accepted' {
  const present = new Set(draft.headers.map(([name]) => name.toLowerCase()));
  const unsigned =
    route.signatureHeaders.length > 0 && !route.signatureHeaders.some((name) => present.has(name));
  if (unsigned) return contract(401, 'signature_missing');
  if (draft.broken === 'half-sent')
    return { by: 'node', status: 400, why: 'body ended before its length' };
  if (draft.broken === 'bad-chunk') return { by: 'node', status: 400, why: 'bad chunk size' };
  if (draft.body.length > BODY_LIMIT) return contract(413, 'payload_too_large');
  if (draft.verdict !== 'valid') return contract(VERDICT_STATUS[draft.verdict], draft.verdict);
  const read = readBody(route.reading, draft.body);
  if (read === 'body_invalid' || read === 'event_id_missing') return contract(400, read);
  return 'accepted';
}

// ---------------------------------------------------------------------------------------------
// Generators.

const PROVIDER_OPS = [
  'flip-body',
  'flip-signature',
  'drop-signature',
  'empty-signature',
  'garbage-signature',
  'wrong-secret',
  'duplicate-header',
  'truncated-body',
  'random-body',
  'signed-garbage',
  'signed-truncated',
  'oversized',
  'half-sent',
  'bad-chunk',
] as const;
const TIMESTAMP_OPS = [
  'stale-timestamp',
  'edited-timestamp',
  'two-timestamps',
  'drop-part',
] as const;
const PAYPAL_OPS = [
  'foreign-cert-url',
  'stale-timestamp',
  'bad-time',
  'bad-algorithm',
  'drop-part',
  'drop-signature',
  'empty-signature',
  'flip-signature',
  'oversized',
] as const;
type Op =
  | (typeof PROVIDER_OPS)[number]
  | (typeof TIMESTAMP_OPS)[number]
  | (typeof PAYPAL_OPS)[number]
  | 'mixed-header-sets'
  | 'v3-hash';

/** Standard Webhooks (and Svix): id, timestamp and signature in three headers. */
const standardWebhooks = (c: ProviderCase) => c.signatureHeaders.includes('webhook-signature');

/** The ops that make sense for a route; those whose answer could be a 202 are left out or fixed up. */
function opsFor(route: Route): readonly Op[] {
  const c = route.case;
  if (!c) return PAYPAL_OPS;
  // A validly signed body the source never reads would be accepted: no signed garbage there.
  const bodyIsRead = readBody(route.reading, Buffer.from('not json {')) !== 'ok';
  const needsSignature: readonly Op[] = [
    'flip-signature',
    'drop-signature',
    'empty-signature',
    'garbage-signature',
    'duplicate-header',
  ];
  const ops: Op[] = PROVIDER_OPS.filter(
    (op) =>
      (bodyIsRead || (op !== 'signed-garbage' && op !== 'signed-truncated')) &&
      (c.wrongSecret !== undefined || op !== 'wrong-secret') &&
      (c.signatureHeaders.length > 0 || !needsSignature.includes(op)),
  );
  if (c.timestamped) {
    // `t=…,v1=…` in one header (Stripe, Wave, FedaPay), or Standard Webhooks' three headers.
    const oneHeader = !standardWebhooks(c);
    ops.push(
      ...TIMESTAMP_OPS.filter((op) =>
        op === 'two-timestamps' ? oneHeader : op === 'drop-part' ? !oneHeader : true,
      ),
    );
    if (!oneHeader) ops.push('mixed-header-sets');
  }
  if (c.type === 'flutterwave') ops.push('v3-hash');
  return ops;
}

/** Header values Node accepts: visible ASCII, space, tab, and the bytes 0x80–0xFF (obs-text). */
const headerByte = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
  { weight: 3, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
);
const headerValue = fc.array(headerByte, { maxLength: 200 }).map((bytes) => Buffer.from(bytes));
const tokenText = fc.stringMatching(/^[a-z0-9-]{1,16}$/);
const junkHeader = fc
  .tuple(tokenText, headerValue)
  .map(([name, value]) => [`x-fz-${name}`, value] as const);
const CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/json; charset=utf-16',
  'application/octet-stream',
  'application/xml',
  'image/png',
  '*/*',
  ';;;',
  'application/json, text/plain',
];

const variation = fc.record({
  contentType: fc.oneof(
    { weight: 3, arbitrary: fc.constant<string | Buffer | undefined>('keep') },
    { weight: 2, arbitrary: fc.constant<string | Buffer | undefined>(undefined) },
    { weight: 4, arbitrary: fc.constantFrom<string | Buffer | undefined>(...CONTENT_TYPES) },
    { weight: 1, arbitrary: headerValue.map((v): string | Buffer | undefined => v) },
  ),
  junk: fc.array(junkHeader, { maxLength: 8 }),
  /** Many small headers (below Node's count and size limits). */
  many: fc.oneof(
    { weight: 9, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 50, max: 600 }) },
  ),
  chunked: fc.boolean(),
  chunkSize: fc.integer({ min: 1, max: 8192 }),
  alternatePath: fc.boolean(),
  query: fc.option(fc.stringMatching(/^[a-z0-9=&_.-]{0,30}$/), { freq: 5 }),
  expectContinue: fc.oneof(
    { weight: 9, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
});
type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
type Variation = ValueOf<typeof variation>;

const opInput = fc.record({
  pos: fc.nat(),
  byte: fc.nat({ max: 255 }),
  alt: fc.nat({ max: 1_000 }),
  shift: fc.integer({ min: 1, max: 100_000 }),
  text: fc.array(headerByte, { minLength: 1, maxLength: 120 }).map((bytes) => Buffer.from(bytes)),
  bytes: fc.uint8Array({ maxLength: 2_000 }),
});
type OpInput = ValueOf<typeof opInput>;

const METHODS_ON_SOURCE = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PURGE'];
const ANY_METHOD = ['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
const RESERVED = new Set(['/healthz', '/readyz', '/metrics']);

/** Ways to miss a source path: none of them is the path (§4: unknown path, 404). */
const NEAR_MISSES: readonly ((path: string) => string)[] = [
  (p) => `${p}/`,
  (p) => p.toUpperCase(),
  (p) => p.replace(/\/([a-z])/, (_m, c: string) => `/${c.toUpperCase()}`),
  (p) => `/${p}`,
  (p) => p.replace('/webhooks/', '/webhooks//'),
  (p) => `${p}/extra`,
  (p) => `${p}.json`,
  (p) => p.replace(/([a-z])$/, (c) => `%${c.charCodeAt(0).toString(16)}`),
  (p) => p.replace(/\/([^/]*)$/, '%2F$1'),
  (p) => `/v1${p}`,
  (p) => `${p};jsessionid=1`,
  (p) => p.replace('/webhooks/', '/webhooks/./'),
  (p) => `/x/..${p}`,
  (p) => `${p}%00`,
  (p) => `${p}%20`,
  (p) => p.slice(0, -1),
];
const randomPath = fc
  .array(fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,12}$/), { minLength: 1, maxLength: 5 })
  .map((segments) => `/${segments.join('/')}`);

/** Bytes Node's parser refuses (probed on Node 20): in a header value, in a header name. */
const BAD_VALUE_BYTES = [
  ...Array.from({ length: 9 }, (_, i) => i),
  ...Array.from({ length: 0x20 - 0x0a }, (_, i) => 0x0a + i),
  0x7f,
];
const BAD_NAME_BYTES = [
  0x22, 0x28, 0x29, 0x2c, 0x2f, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d,
  0x7f, 0x80, 0xa0, 0xff,
];
const MALFORMED = [
  'bad-value-byte',
  'bad-name-byte',
  'space-before-colon',
  'no-host',
  'garbage-request-line',
  'bad-version',
  'unknown-method',
  'length-and-chunked',
  'two-lengths',
  'bad-length',
  'bad-transfer-encoding',
  'obs-fold',
  'bare-lf',
  'expect-other',
] as const;

const descriptor = fc.oneof(
  {
    weight: 72,
    arbitrary: fc.nat({ max: ROUTES.length - 1 }).chain((index) =>
      fc.record({
        kind: fc.constant('provider' as const),
        route: fc.constant(index),
        op: fc.constantFrom(...opsFor(ROUTES[index]!)),
        input: opInput,
        variation,
      }),
    ),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('method' as const),
      route: fc.nat({ max: ROUTES.length - 1 }),
      method: fc.constantFrom(...METHODS_ON_SOURCE),
      withBody: fc.boolean(),
      input: opInput,
      variation,
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('path' as const),
      route: fc.nat({ max: ROUTES.length - 1 }),
      nearMiss: fc.option(fc.nat({ max: NEAR_MISSES.length - 1 }), { freq: 2 }),
      random: randomPath,
      method: fc.constantFrom(...ANY_METHOD),
      input: opInput,
      variation,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('huge-headers' as const),
      route: fc.nat({ max: ROUTES.length - 1 }),
      size: fc.integer({ min: HUGE_HEAD_MIN, max: 64 * 1024 }),
      split: fc.boolean(),
      onSource: fc.boolean(),
      input: opInput,
      variation,
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('malformed' as const),
      route: fc.nat({ max: ROUTES.length - 1 }),
      which: fc.constantFrom(...MALFORMED),
      input: opInput,
      variation,
    }),
  },
);
type Descriptor = ValueOf<typeof descriptor>;

// ---------------------------------------------------------------------------------------------
// From a descriptor to bytes and the answer they must get.

const { privateKey: PAYPAL_KEY } = generateKeyPairSync('rsa', { modulusLength: 1024 });
let sequence = 0;
const nowS = () => Math.floor(Date.now() / 1000);
const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;
const lower = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

interface Signed {
  readonly c: ProviderCase;
  readonly event: ProviderEvent;
  readonly secret: string;
  readonly timestampS: number;
  readonly url: string;
  /** The provider's own headers (content-type aside) and the signature. */
  readonly headers: Record<string, string>;
  readonly signature: Record<string, string>;
}

async function signedSample(c: ProviderCase, target: string, port: number): Promise<Signed> {
  const event = c.newEvent(100_000 + ++sequence);
  const secret = c.secrets.at(-1) ?? '';
  const timestampS = nowS();
  const query = target.includes('?') ? target.slice(target.indexOf('?')) : '';
  const url = c.publicUrl ? `${c.publicUrl}${query}` : `http://127.0.0.1:${port}${target}`;
  const signature = lower(await c.sign({ secret, event, timestampS, url }));
  const { 'content-type': _type, ...own } = lower(event.headers);
  return { c, event, secret, timestampS, url, headers: { ...own, ...signature }, signature };
}

const resign = async (s: Signed, change: { body?: Buffer; secret?: string; timestampS?: number }) =>
  lower(
    await s.c.sign({
      secret: change.secret ?? s.secret,
      event: { ...s.event, body: change.body ?? s.event.body },
      timestampS: change.timestampS ?? s.timestampS,
      url: s.url,
    }),
  );

/**
 * What each scheme's signature covers (README "What each provider's signature covers"): the body's
 * bytes, the values of its form fields, or nothing at all. A new verify type must be placed here.
 */
const COVERS: Readonly<Record<string, 'bytes' | 'form' | 'nothing'>> = {
  stripe: 'bytes',
  'standard-webhooks': 'bytes',
  svix: 'bytes',
  wave: 'bytes',
  fedapay: 'bytes',
  github: 'bytes',
  shopify: 'bytes',
  paystack: 'bytes',
  hmac: 'bytes',
  flutterwave: 'bytes', // v4; its v3 hash is exercised by v3-hash
  cinetpay: 'form',
  twilio: 'form',
  token: 'nothing',
  basic: 'nothing',
  none: 'nothing',
};

/**
 * Whether `body` still verifies under the signature made for the sample's body. A scheme over the
 * bytes: only the same bytes. Over form values: whatever the provider's own signer (Twilio's
 * library, CinetPay's documented algorithm) says of the new body — re-encoding a value
 * (`%3a` for `%3A`) is no change to them. Over nothing: anything.
 */
async function stillSigned(s: Signed, body: Buffer): Promise<boolean> {
  const covers = COVERS[s.c.type];
  if (covers === undefined) throw new Error(`say in COVERS what a ${s.c.type} signature covers`);
  if (covers === 'nothing') return true;
  if (covers === 'bytes' || body.equals(s.event.body)) return body.equals(s.event.body);
  const again = await resign(s, { body });
  return s.c.signatureHeaders.every((name) => again[name] === s.signature[name]);
}

/**
 * Signature headers for `body` exactly as its bytes are (the providers' own libraries take a string,
 * so a body that is not UTF-8 would be signed as something else): hookrelay's own signer for the
 * type, with the first secret of the source's rotation list.
 */
function signBytes(s: Signed, body: Buffer): Record<string, string> {
  const config = verifyConfigSchema.parse(JSON.parse(s.c.verify)) as VerifyConfig;
  return lower(signRequest(config, body, { nowMs: s.timestampS * 1000, url: s.url }));
}

/** The signature header a request of this case carries (the first of its names it has). */
const mainHeader = (s: Signed) =>
  s.c.signatureHeaders.find((name) => s.signature[name] !== undefined) ?? s.c.signatureHeaders[0]!;

const withHeaders = (headers: Record<string, string>): HeaderLine[] => Object.entries(headers);

/** A visible ASCII character other than `original`, in any case. */
function otherChar(original: string, byte: number): string {
  for (let i = 0; ; i++) {
    const candidate = String.fromCharCode(0x21 + ((byte + i) % 94));
    if (candidate.toLowerCase() !== original.toLowerCase()) return candidate;
  }
}

const TIMESTAMPED_HEADER = /^t=(\d+),/;

async function providerDraft(s: Signed, op: Op, input: OpInput): Promise<Draft> {
  const { c, event } = s;
  const headers = { ...s.headers };
  const main = mainHeader(s);
  const lines = () => withHeaders(headers);
  switch (op) {
    case 'flip-body': {
      const body = Buffer.from(event.body);
      const at = input.pos % body.length;
      body[at] = input.byte === body[at] ? input.byte ^ 1 : input.byte;
      return {
        headers: lines(),
        body,
        verdict: (await stillSigned(s, body)) ? 'valid' : 'signature_invalid',
      };
    }
    case 'truncated-body': {
      const body = event.body.subarray(0, input.pos % event.body.length);
      return {
        headers: lines(),
        body,
        verdict: (await stillSigned(s, body)) ? 'valid' : 'signature_invalid',
      };
    }
    case 'random-body': {
      const body = Buffer.from(input.bytes);
      return {
        headers: lines(),
        body,
        verdict: (await stillSigned(s, body)) ? 'valid' : 'signature_invalid',
      };
    }
    case 'signed-garbage':
    case 'signed-truncated': {
      const body =
        op === 'signed-garbage'
          ? Buffer.from(input.bytes)
          : event.body.subarray(0, input.pos % event.body.length);
      return {
        headers: withHeaders({ ...headers, ...signBytes(s, body) }),
        body,
        verdict: 'valid',
      };
    }
    case 'flip-signature': {
      const value = headers[main]!;
      const at = input.pos % value.length;
      headers[main] = value.slice(0, at) + otherChar(value[at]!, input.byte) + value.slice(at + 1);
      // `Authorization: Basic …` with its scheme broken is no Basic credential at all.
      const verdict = c.type === 'basic' && at < 6 ? 'signature_missing' : 'signature_invalid';
      return { headers: lines(), body: event.body, verdict };
    }
    case 'drop-signature': {
      for (const name of c.signatureHeaders) delete headers[name];
      return { headers: lines(), body: event.body, verdict: 'signature_missing' };
    }
    case 'empty-signature': {
      headers[main] = '';
      // An empty credential is a wrong one for `token`; every other scheme finds no signature in it.
      const verdict = c.type === 'token' ? 'signature_invalid' : 'signature_missing';
      return { headers: lines(), body: event.body, verdict };
    }
    case 'garbage-signature': {
      const value = trimmed(input.text.toString('latin1')) || 'x';
      const verdict =
        c.type === 'basic' && !/^basic /i.test(value) ? 'signature_missing' : 'signature_invalid';
      const draftHeaders = lines().map(([name, v]): HeaderLine =>
        name === main ? [name, latin1(value)] : [name, v],
      );
      return { headers: draftHeaders, body: event.body, verdict };
    }
    case 'wrong-secret': {
      const wrong = await resign(s, { secret: c.wrongSecret! });
      return {
        headers: withHeaders({ ...headers, ...wrong }),
        body: event.body,
        verdict: 'signature_invalid',
      };
    }
    case 'duplicate-header': {
      if (c.type === 'token' || c.type === 'basic') {
        // Node keeps the first of two Authorization headers: a wrong one, then the right one.
        const wrong = await resign(s, { secret: c.wrongSecret! });
        const draft = lines().filter(([name]) => name !== 'authorization');
        return {
          headers: [
            ['authorization', wrong.authorization!],
            ['authorization', headers.authorization!],
            ...draft,
          ],
          body: event.body,
          verdict: 'signature_invalid',
        };
      }
      // Other headers are joined (`a, a`). For Standard Webhooks, whose signature header may carry
      // several signatures, the id or the timestamp is repeated instead. A `t=…,v1=…` header is
      // repeated as it is (so it has two `t=`): upper-cased, `T=` and `V1=` are keys it ignores.
      const name = standardWebhooks(c)
        ? pick(
            Object.keys(headers).filter((h) => /-(id|timestamp)$/.test(h)),
            input.alt,
          )
        : main;
      const upper = input.alt % 2 === 1 && !(c.timestamped && !standardWebhooks(c));
      const repeated = upper ? headers[name]!.toUpperCase() : headers[name]!;
      return {
        headers: [...lines(), [input.alt % 3 === 0 ? name.toUpperCase() : name, repeated]],
        body: event.body,
        verdict: 'signature_invalid',
      };
    }
    case 'stale-timestamp': {
      const skew = 310 + input.shift;
      const timestampS = s.timestampS + (input.alt % 2 === 0 ? -skew : skew);
      return {
        headers: withHeaders({ ...headers, ...(await resign(s, { timestampS })) }),
        body: event.body,
        verdict: 'timestamp_out_of_tolerance',
      };
    }
    case 'edited-timestamp': {
      const delta = input.alt % 2 === 0 ? -1 - (input.shift % 200) : 1 + (input.shift % 200);
      if (!standardWebhooks(c)) {
        headers[main] = headers[main]!.replace(
          TIMESTAMPED_HEADER,
          (_m, t: string) => `t=${Number(t) + delta},`,
        );
      } else {
        const name = Object.keys(headers).find((h) => h.endsWith('-timestamp'))!;
        headers[name] = pick(
          [String(s.timestampS + delta), 'now', '-1', '1e9', `${s.timestampS}.0`, ''],
          input.pos,
        );
        if (headers[name] === '')
          return { headers: lines(), body: event.body, verdict: 'signature_missing' };
      }
      return { headers: lines(), body: event.body, verdict: 'signature_invalid' };
    }
    case 'two-timestamps': {
      // README "Replay protection": a second t= (an old one, with its own valid signature), or t= not first.
      const old = (await resign(s, { timestampS: s.timestampS - 600 }))[main]!;
      const current = headers[main]!;
      headers[main] =
        input.alt % 2 === 0
          ? `t=${s.timestampS},${old}`
          : current.replace(TIMESTAMPED_HEADER, '').concat(`,t=${s.timestampS}`);
      return { headers: lines(), body: event.body, verdict: 'signature_invalid' };
    }
    case 'drop-part': {
      const name = pick(
        Object.keys(headers).filter((h) => /-(id|timestamp)$/.test(h)),
        input.alt,
      );
      delete headers[name];
      return { headers: lines(), body: event.body, verdict: 'signature_missing' };
    }
    case 'mixed-header-sets': {
      // Any webhook-* header selects the webhook-* set whole (README "Replay protection").
      if (headers['svix-signature'] !== undefined)
        headers['webhook-timestamp'] = String(s.timestampS);
      else {
        headers['svix-timestamp'] = headers['webhook-timestamp']!;
        delete headers['webhook-timestamp'];
      }
      return { headers: lines(), body: event.body, verdict: 'signature_missing' };
    }
    case 'v3-hash': {
      // v3's verif-hash is the secret hash itself; when a v4 signature comes too, only v4 counts.
      const variant = input.alt % 3;
      if (variant === 0) {
        delete headers['flutterwave-signature'];
        headers['verif-hash'] = c.wrongSecret!;
        return { headers: lines(), body: event.body, verdict: 'signature_invalid' };
      }
      if (variant === 1) {
        headers['flutterwave-signature'] = headers['flutterwave-signature']!.replace(/^./, (ch) =>
          otherChar(ch, input.byte),
        );
        headers['verif-hash'] = s.secret;
        return { headers: lines(), body: event.body, verdict: 'signature_invalid' };
      }
      delete headers['flutterwave-signature'];
      headers['verif-hash'] = s.secret;
      return { headers: lines(), body: Buffer.from(input.bytes), verdict: 'valid' };
    }
    case 'oversized': {
      const body = Buffer.alloc(
        BODY_LIMIT + 1 + (input.shift % 100_000),
        event.body.toString('latin1'),
        'latin1',
      );
      if (input.alt % 4 === 0) for (const name of c.signatureHeaders) delete headers[name];
      return { headers: lines(), body, verdict: 'signature_invalid' };
    }
    case 'half-sent':
      return { headers: lines(), body: event.body, verdict: 'valid', broken: 'half-sent' };
    case 'bad-chunk':
      return { headers: lines(), body: event.body, verdict: 'valid', broken: 'bad-chunk' };
    case 'foreign-cert-url':
    case 'bad-time':
    case 'bad-algorithm':
      throw new Error(`${op} is PayPal's`);
  }
}

function paypalDraft(op: Op, input: OpInput): Draft {
  const { body } = sampleRequest('paypal');
  const foreign = pick(FOREIGN_CERT_URLS, input.alt);
  const sign = (certUrl: string, nowMs = Date.now()) =>
    signPaypalTransmission({
      privateKey: PAYPAL_KEY,
      certUrl,
      webhookId: PAYPAL_WEBHOOK_IDS[1]!,
      body,
      nowMs,
    });
  const headers = sign(foreign);
  const draft = (verdict: Verdict, changed = headers, sent = body): Draft => ({
    headers: withHeaders(changed),
    body: sent,
    verdict,
  });
  switch (op) {
    case 'foreign-cert-url':
      return draft('signature_invalid');
    case 'stale-timestamp': {
      // Refused on its time before any certificate is fetched: the only case with PayPal's own URL.
      const skew = (310 + input.shift) * 1000 * (input.alt % 2 === 0 ? -1 : 1);
      return draft('timestamp_out_of_tolerance', sign(PAYPAL_CERT_URL, Date.now() + skew));
    }
    case 'bad-time': {
      const changed = sign(PAYPAL_CERT_URL);
      changed['paypal-transmission-time'] = pick(
        ['yesterday', '2026-13-45T99:99:99Z', 'NaN', 'not-a-date'],
        input.pos,
      );
      return draft('signature_invalid', changed);
    }
    case 'bad-algorithm':
      return draft('signature_invalid', {
        ...sign(PAYPAL_CERT_URL, Date.now() - 3_600_000),
        'paypal-auth-algo': pick(
          ['SHA1withRSA', 'sha256withrsa', 'none', 'SHA256withRSAx'],
          input.pos,
        ),
      });
    case 'drop-part': {
      const changed = { ...headers };
      delete changed[
        pick(
          [
            'paypal-transmission-id',
            'paypal-transmission-time',
            'paypal-cert-url',
            'paypal-auth-algo',
          ],
          input.pos,
        )
      ];
      return draft('signature_missing', changed);
    }
    case 'drop-signature': {
      const { 'paypal-transmission-sig': _sig, ...changed } = headers;
      return draft('signature_missing', changed);
    }
    case 'empty-signature':
      return draft('signature_missing', { ...headers, 'paypal-transmission-sig': '' });
    case 'flip-signature': {
      const value = headers['paypal-transmission-sig']!;
      const at = input.pos % value.length;
      const flipped = value.slice(0, at) + otherChar(value[at]!, input.byte) + value.slice(at + 1);
      return draft('signature_invalid', { ...headers, 'paypal-transmission-sig': flipped });
    }
    case 'oversized':
      return draft(
        'signature_invalid',
        headers,
        Buffer.alloc(BODY_LIMIT + 1 + (input.shift % 100_000), 'p'),
      );
    default:
      throw new Error(`${op} is not a PayPal op`);
  }
}

/** The variation's headers: content type, junk (binary bytes included), many small ones, Expect. */
function variedHeaders(
  provider: readonly HeaderLine[],
  v: Variation,
  contentType?: string,
): HeaderLine[] {
  const headers: HeaderLine[] = [];
  const type = v.contentType === 'keep' ? contentType : v.contentType;
  if (type !== undefined) headers.push(['Content-Type', type]);
  headers.push(...provider, ...v.junk);
  for (let i = 0; i < v.many; i++) headers.push([`x-fz${i}`, String(i % 10)]);
  if (v.expectContinue) headers.push(['Expect', '100-continue']);
  return headers;
}

const base = (port: number): HeaderLine[] => [
  ['Host', `127.0.0.1:${port}`],
  ['Connection', 'close'],
];

function targetOf(route: Route, v: Variation): string {
  const path = route.paths[v.alternatePath ? 0 : 1]!;
  return v.query === null ? path : `${path}?${v.query}`;
}

async function draftFor(route: Route, op: Op, input: OpInput, target: string, port: number) {
  if (!route.case) return { draft: paypalDraft(op, input), contentType: 'application/json' };
  const signed = await signedSample(route.case, target, port);
  return {
    draft: await providerDraft(signed, op, input),
    contentType: lower(signed.event.headers)['content-type'],
  };
}

async function materialise(d: Descriptor, port: number): Promise<Case> {
  const route = ROUTES[d.route]!;
  const v = d.variation;
  switch (d.kind) {
    case 'provider': {
      const target = targetOf(route, v);
      let op: Op = d.op;
      let { draft, contentType } = await draftFor(route, op, d.input, target, port);
      let expected = expectedOf(route, draft);
      const converted = expected === 'accepted';
      if (expected === 'accepted') {
        // The change left a request that verifies and carries its event id: make it a refused one.
        op = route.signatureHeaders.length > 0 ? 'flip-signature' : 'signed-garbage';
        ({ draft, contentType } = await draftFor(route, op, d.input, target, port));
        if (op === 'signed-garbage') draft = { ...draft, body: Buffer.from('not json {') };
        expected = expectedOf(route, draft);
        if (expected === 'accepted') throw new Error(`cannot refuse a ${route.name} request`);
      }
      const headers = [...base(port), ...variedHeaders(draft.headers, v, contentType)];
      let wire: Wire;
      if (draft.broken === 'half-sent') {
        const framed = frame(
          'POST',
          target,
          headers,
          draft.body,
          v.chunked ? 'chunked' : 'length',
          v.chunkSize,
        );
        const body = framed[1]!;
        const last = v.chunked ? body.length - 5 : body.length; // before the last chunk
        wire = {
          method: 'POST',
          bytes: [framed[0]!, body.subarray(0, d.input.pos % last)],
          halfClose: true,
        };
      } else if (draft.broken === 'bad-chunk') {
        const [head] = frame('POST', target, headers, Buffer.alloc(0), 'chunked');
        const good = draft.body.subarray(0, d.input.pos % draft.body.length);
        const bad = pick(['zz', '-1', '0x10', 'g', '1 1'], d.input.alt);
        wire = {
          method: 'POST',
          bytes: [head!, chunked(good, v.chunkSize, false), latin1(`${bad}\r\nabc\r\n0\r\n\r\n`)],
        };
      } else {
        wire = {
          method: 'POST',
          bytes: frame(
            'POST',
            target,
            headers,
            draft.body,
            v.chunked ? 'chunked' : 'length',
            v.chunkSize,
          ),
        };
      }
      return {
        category: `provider ${op}`,
        source: route.name,
        detail: `${route.name} ${op} to ${target}`,
        wire,
        expected,
        converted,
      };
    }
    case 'method': {
      const target = targetOf(route, v);
      const headers = [...base(port), ...variedHeaders([], v, 'application/json')];
      const body = d.withBody ? Buffer.from(d.input.bytes) : undefined;
      return {
        category: `method ${d.method}`,
        detail: `${d.method} ${target}`,
        wire: {
          method: d.method,
          bytes: frame(
            d.method,
            target,
            headers,
            body,
            v.chunked ? 'chunked' : 'length',
            v.chunkSize,
          ),
        },
        expected: contract(405, 'method_not_allowed'),
      };
    }
    case 'path': {
      const source = route.paths[v.alternatePath ? 0 : 1]!;
      let path = d.nearMiss === null ? d.random : NEAR_MISSES[d.nearMiss]!(source);
      const bare = path.toLowerCase().replace(/\/+$/, '');
      if (RESERVED.has(bare) || RESERVED.has(bare.split(';')[0]!)) path = `/x${path}`;
      if (ROUTE_PATHS.has(path)) path = `${path}/x`;
      const target = v.query === null ? path : `${path}?${v.query}`;
      const headers = [...base(port), ...variedHeaders([], v, 'application/json')];
      const body =
        d.method === 'POST' || d.input.alt % 2 === 0 ? Buffer.from(d.input.bytes) : undefined;
      return {
        category: `path ${d.nearMiss === null ? 'random' : 'near-miss'}`,
        detail: `${d.method} ${target}`,
        wire: {
          method: d.method,
          bytes: frame(
            d.method,
            target,
            headers,
            body,
            v.chunked ? 'chunked' : 'length',
            v.chunkSize,
          ),
        },
        expected: contract(404, 'not_found'),
      };
    }
    case 'huge-headers': {
      const target = d.onSource ? targetOf(route, v) : '/nowhere';
      const big: HeaderLine[] = d.split
        ? Array.from({ length: Math.ceil(d.size / 1000) }, (_, i) => [
            `x-big-${i}`,
            'b'.repeat(990),
          ])
        : [['x-big', 'b'.repeat(d.size)]];
      const headers = [...base(port), ...variedHeaders([], v, 'application/json'), ...big];
      return {
        category: 'huge headers',
        detail: `${d.size} bytes of headers to ${target}`,
        wire: {
          method: 'POST',
          bytes: frame('POST', target, headers, Buffer.from(d.input.bytes), 'length'),
        },
        expected: { by: 'node', status: 431, why: 'headers over 16 KiB' },
      };
    }
    case 'malformed':
      return malformed(d.which, route, d.input, v, port);
  }
}

function malformed(
  which: (typeof MALFORMED)[number],
  route: Route,
  input: OpInput,
  v: Variation,
  port: number,
): Case {
  const target = targetOf(route, v);
  const body = Buffer.from('{"transaction_id":"TX-1"}');
  const headers = base(port);
  const node = (status: number, why: string): Expected => ({ by: 'node', status, why });
  const simple = (bytes: Buffer[], expected: Expected = node(400, which)): Case => ({
    category: `malformed ${which}`,
    detail: `${which} to ${target}`,
    wire: { method: 'POST', bytes },
    expected,
  });
  switch (which) {
    case 'bad-value-byte': {
      const value = Buffer.from([0x61, pick(BAD_VALUE_BYTES, input.byte), 0x62]);
      return simple(frame('POST', target, [...headers, ['x-fz-bad', value]], body, 'length'));
    }
    case 'bad-name-byte': {
      const name = `x-${String.fromCharCode(pick(BAD_NAME_BYTES, input.byte))}-fz`;
      return simple(frame('POST', target, [...headers, [name, 'v']], body, 'length'));
    }
    case 'space-before-colon':
      return simple(frame('POST', target, [...headers, ['x-fz ', 'v']], body, 'length'));
    case 'no-host':
      return simple(frame('POST', target, [['Connection', 'close']], body, 'length'));
    case 'garbage-request-line': {
      const first = pick([0x00, 0x01, 0x7b, 0x22, 0x28, 0x3c, 0x7f, 0xff], input.byte);
      const rest = Buffer.from(input.bytes)
        .filter((b) => b !== 0x0d && b !== 0x0a)
        .subarray(0, 200);
      return simple([Buffer.concat([Buffer.from([first]), rest, latin1('\r\n\r\n')])]);
    }
    case 'bad-version': {
      const version = pick(
        ['HTTP/1.7', 'HTTP/1.2', 'HTTP/9.9', 'HTTPS/1.1', 'HTTP/1.1x'],
        input.alt,
      );
      return simple([
        latin1(
          `POST ${target} ${version}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        ),
      ]);
    }
    case 'unknown-method': {
      const method = pick(['FOO', 'post', 'P0ST', 'GETT', 'POS'], input.alt);
      return simple([
        latin1(
          `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        ),
      ]);
    }
    case 'length-and-chunked':
      return simple([
        latin1(
          `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        ),
        chunked(body, 7),
      ]);
    case 'two-lengths': {
      const second = input.alt % 2 === 0 ? body.length : body.length + 1;
      return simple([
        latin1(
          `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${body.length}\r\nContent-Length: ${second}\r\n\r\n`,
        ),
        body,
      ]);
    }
    case 'bad-length': {
      const length = pick(['-1', '1x', '0x10', 'abc', '1 2', '+5'], input.alt);
      return simple([
        latin1(
          `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${length}\r\n\r\n`,
        ),
        body,
      ]);
    }
    case 'bad-transfer-encoding': {
      // `chunked` not last is refused while the headers are parsed. Node finds the others only once
      // they are complete: a source that refuses an unsigned request on its headers alone has
      // answered by then, and that answer stands.
      const encoding = pick(['gzip', 'chunked, gzip', 'identity', 'chunkedx'], input.alt);
      const refusedFirst = encoding === 'chunked, gzip' || route.signatureHeaders.length === 0;
      return simple(
        [
          latin1(
            `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: ${encoding}\r\n\r\n`,
          ),
          chunked(body, 5),
        ],
        refusedFirst ? undefined : contract(401, 'signature_missing'),
      );
    }
    case 'obs-fold':
      return simple([
        latin1(
          `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Fz: a\r\n  folded\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        ),
      ]);
    case 'bare-lf':
      return simple([
        latin1(
          `POST ${target} HTTP/1.1\nHost: 127.0.0.1\nConnection: close\nContent-Length: 0\n\n`,
        ),
      ]);
    case 'expect-other': {
      // Not `100-continue` as a word: Node reads `100-continue-please` as one.
      const expectation = pick(['foo', '200-ok', '100-continued', 'nothing'], input.alt);
      return simple(
        frame('POST', target, [...headers, ['Expect', expectation]], body, 'length'),
        node(417, 'an expectation Node does not know'),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The run.

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

interface Tally {
  readonly categories: Map<string, number>;
  readonly sources: Map<string, number>;
  readonly statuses: Map<string, number>;
  readonly failures: string[];
  failed: number;
  converted: number;
  resets: number;
}

const newTally = (): Tally => ({
  categories: new Map(),
  sources: new Map(),
  statuses: new Map(),
  failures: [],
  failed: 0,
  converted: 0,
  resets: 0,
});

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** The V8 heap figures of the ingress's own /metrics, in MB. */
async function heap(port: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const mb = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line ? Math.round(Number(line.split(' ').at(-1)) / 1048576) : '?';
  };
  return `heap used ${mb('hookrelay_nodejs_heap_size_used_bytes')} total ${mb('hookrelay_nodejs_heap_size_total_bytes')} external ${mb('hookrelay_nodejs_external_memory_bytes')}`;
}

async function run(descriptors: readonly Descriptor[], port: number, tally: Tally): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < descriptors.length) {
      const index = next++;
      const test = await materialise(descriptors[index]!, port);
      // Only the huge-headers cases may come near Node's header size limit.
      const head = test.wire.bytes[0]!.indexOf('\r\n\r\n');
      if (test.category !== 'huge headers' && head > SMALL_HEAD_MAX)
        throw new Error(`#${index} ${test.detail}: a head of ${head} bytes`);
      const got = await exchange(port, test.wire);
      bump(tally.categories, test.category);
      if (test.source) bump(tally.sources, test.source);
      if (test.converted) tally.converted += 1;
      bump(
        tally.statuses,
        got.status === undefined || Number.isNaN(got.status) ? 'none' : String(got.status),
      );
      // A server that answers before reading the whole request (Node's refusals, 401 on headers,
      // 404, 405, 413) closes on bytes still coming: the client may get a reset instead of the
      // answer (the README says so of slow clients). Excused only then, and counted.
      const early =
        test.expected.by === 'node' || [401, 404, 405, 413].includes(test.expected.status);
      const reset = got.status === undefined || Number.isNaN(got.status);
      if (early && reset && got.sending && (got.error === 'ECONNRESET' || got.error === 'EPIPE')) {
        tally.resets += 1;
        continue;
      }
      const problem = mismatch(test.expected, test.wire.method, got);
      if (problem) {
        tally.failed += 1;
        if (tally.failures.length < 25) {
          const wanted =
            test.expected.by === 'contract'
              ? `${test.expected.status} ${test.expected.code}`
              : `${test.expected.status} (Node: ${test.expected.why})`;
          tally.failures.push(`#${index} ${test.detail}: expected ${wanted}, ${problem}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

describe('the ingress under generated bad input', () => {
  let redis: TestRedis;
  let inspector: RedisClient;
  let ingress: AppRun;
  let config: HookrelayConfig;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    redis = await startTestRedis();
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'hookrelay-fuzz-'));
    const env = { REDIS_URL: redis.url, PORT: String(port), BACKEND_URL: 'http://127.0.0.1:9' };
    writeFileSync(join(dir, 'hookrelay.yaml'), YAML);
    config = parseConfig(YAML, env, { verify: verifyPlugin });
    ingress = runNode(appEntry('ingress'), {
      ...process.env,
      ...env,
      HOOKRELAY_CONFIG: join(dir, 'hookrelay.yaml'),
      NODE_OPTIONS: CHILD_NODE_OPTIONS,
    });
    // log.level warn: no `listening` line; ready is what matters.
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
      timeoutMs: 20_000,
      what: `the ingress ready (it printed: ${ingress.lines.slice(-5).join(' | ')})`,
    });
    inspector = createRedis(config.redis, 'consumer', 'fuzz-inspector');
    inspector.on('error', () => undefined);
  });
  afterAll(async () => {
    if (ingress && ingress.child.exitCode === null && ingress.child.signalCode === null) {
      ingress.child.kill('SIGTERM');
      await Promise.race([ingress.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      ingress.child.kill('SIGKILL');
    }
    inspector?.disconnect();
    await redis?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function jobCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const source of config.sources) {
      for (const destination of source.destinations) {
        const name = deliveryQueueName(source.name, destination.name);
        const queue = new Queue(name, { connection: inspector, prefix: PREFIX });
        const byState = await queue.getJobCounts();
        await queue.close();
        counts[name] = Object.values(byState).reduce((sum, n) => sum + n, 0);
      }
    }
    return counts;
  }

  it(`answers ${RUNS} generated bad requests as the contract says, never crashes, enqueues nothing and keeps its memory`, async () => {
    console.log(
      `fuzz-ingress: seed ${SEED} (FUZZ_SEED=${SEED} reproduces it), ${RUNS} requests, ${IN_FLIGHT} in flight`,
    );
    // Every verify type and alias of the catalogue has a source here.
    const types = ROUTES.map((route) => route.case?.type ?? 'paypal');
    const known = PROVIDERS.flatMap((provider) => [provider.type, ...(provider.aliases ?? [])]);
    expect(known.filter((type) => !types.includes(type))).toEqual([]);
    expect(ROUTES.map((r) => r.name).sort()).toEqual(config.sources.map((s) => s.name).sort());
    const keysBefore = new Set(await inspector.keys(`${PREFIX}:*`));

    // Warm up until the process's memory settles (see WARM_UP); a leak grows on past that.
    const warmUp = newTally();
    const warmUpCases = fc.sample(descriptor, { seed: SEED + 1, numRuns: WARM_UP_MAX });
    const pid = ingress.child.pid!;
    const warmUpRss = [rssMb(pid)];
    let warmed = 0;
    while (warmed < WARM_UP_MAX) {
      await run(warmUpCases.slice(warmed, warmed + WARM_UP), port, warmUp);
      warmed += WARM_UP;
      warmUpRss.push(rssMb(pid));
      const window = warmUpRss.slice(-(WARM_UP_SETTLED_BATCHES + 1));
      if (
        window.length > WARM_UP_SETTLED_BATCHES &&
        window.at(-1)! - window[0]! <= WARM_UP_SETTLED_MB
      )
        break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rssBefore = rssMb(pid);
    const heapBefore = await heap(port);

    const tally = newTally();
    const started = performance.now();
    await run(fc.sample(descriptor, { seed: SEED, numRuns: RUNS }), port, tally);
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rssAfter = rssMb(pid);
    const heapAfter = await heap(port);

    const healthz = await fetch(`http://127.0.0.1:${port}/healthz`);
    // Keys first: opening a Queue to count its jobs writes the queue's meta key. A new inbox entry
    // or de-duplication key (docs/inbox.md) would show here.
    const eventLogKeys = await inspector.keys(`${PREFIX}:events:*`);
    const newKeys = (await inspector.keys(`${PREFIX}:*`)).filter(
      (key) => !keysBefore.has(key) && !key.endsWith(':readyz:write-probe'),
    );
    const counts = await jobCounts();
    const sorted = (map: Map<string, number>) =>
      [...map]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `  ${k}: ${n}`)
        .join('\n');
    console.log(
      [
        `fuzz-ingress summary (seed ${SEED}): ${RUNS} requests in ${seconds.toFixed(1)} s (${Math.round(RUNS / seconds)}/s), after a warm-up of ${warmed} (${warmUp.failed} failed; RSS ${warmUpRss.join(' → ')} MB)`,
        `resets while still sending to a server that had answered early (excused): ${tally.resets}`,
        `requests per category:\n${sorted(tally.categories)}`,
        `provider requests per source (verify type):\n${sorted(tally.sources)}`,
        `statuses seen:\n${sorted(tally.statuses)}`,
        `changes that still verified (an unsigned body part…), redrawn as refused requests: ${tally.converted}`,
        `ingress RSS: ${rssBefore} MB after the warm-up, ${rssAfter} MB after the run (${rssAfter - rssBefore >= 0 ? '+' : ''}${rssAfter - rssBefore} MB); NODE_OPTIONS=${CHILD_NODE_OPTIONS || '(none)'}`,
        `ingress heap (MB, from its /metrics): ${heapBefore} after the warm-up; ${heapAfter} after the run`,
        `jobs in the delivery queues: ${Object.values(counts).reduce((a, b) => a + b, 0)}; event-log keys: ${eventLogKeys.length}; other new keys: ${newKeys.length}`,
        `mismatches: ${tally.failed}${tally.failures.length ? `\n  ${tally.failures.join('\n  ')}` : ''}`,
        ...(warmUp.failures.length
          ? [`warm-up mismatches:\n  ${warmUp.failures.join('\n  ')}`]
          : []),
        ...(newKeys.length ? [`new keys: ${newKeys.slice(0, 20).join(' ')}`] : []),
      ].join('\n'),
    );

    expect(tally.failures).toEqual([]);
    expect(warmUp.failures).toEqual([]);
    expect(ingress.child.exitCode).toBeNull();
    expect(ingress.child.signalCode).toBeNull();
    expect(healthz.status).toBe(200);
    expect(Object.entries(counts).filter(([, n]) => n > 0)).toEqual([]);
    expect(eventLogKeys).toEqual([]);
    expect(newKeys).toEqual([]);
    expect(rssAfter - rssBefore).toBeLessThanOrEqual(RSS_SLACK_MB);
    // Nothing a client sent made the app fail: no 500, no error line, nothing on stderr.
    expect(ingress.lines.filter((line) => /"level":"error"/.test(line))).toEqual([]);
    expect(ingress.stderr).toEqual([]);
  }, 150_000);
});
