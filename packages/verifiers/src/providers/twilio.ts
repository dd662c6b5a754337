import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { formSample, hex, secretTestConfig } from '../sample.js';
import { headerValue, hmac, matchOf, safeEqual } from '../timing-safe.js';
import { reject, signatureVerdict } from '../types.js';

const HEADER = 'x-twilio-signature';

/** The string Twilio signs: the URL, then each form parameter as name+value, names sorted, repeated values deduplicated and sorted. */
export function twilioSignedString(url: string, body: Buffer | undefined): string {
  const values = new Map<string, Set<string>>();
  for (const [name, value] of new URLSearchParams(body?.toString('utf8') ?? '')) {
    values.set(name, (values.get(name) ?? new Set()).add(value));
  }
  let data = url;
  for (const name of [...values.keys()].sort()) {
    for (const value of [...values.get(name)!].sort()) data += name + value;
  }
  return data;
}

function signatureOf(authToken: string, url: string, body: Buffer | undefined): string {
  return hmac('sha1', authToken, twilioSignedString(url, body)).toString('base64');
}

const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is;

/** Twilio may have signed the URL with or without its port; its own validator tries both, on the URL as received. */
function urlVariants(url: string): string[] {
  const match = URL_PARTS.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const userInfo = authority.slice(0, authority.lastIndexOf('@') + 1);
  const hostPort = authority.slice(userInfo.length);
  const colon = hostPort.indexOf(':', hostPort.lastIndexOf(']') + 1);
  const host = colon === -1 ? hostPort : hostPort.slice(0, colon);
  const port =
    colon === -1 ? (scheme.toLowerCase() === 'https://' ? ':443' : ':80') : hostPort.slice(colon);
  return [
    ...new Set([url, scheme + userInfo + host + rest, scheme + userInfo + host + port + rest]),
  ];
}

/** The URL Twilio called: the configured public URL with the query string the request arrived with. */
function signedUrl(configured: string | undefined, requestUrl: string): string {
  if (!configured) return requestUrl;
  const query = requestUrl.includes('?') ? requestUrl.slice(requestUrl.indexOf('?')) : '';
  return configured.split('?')[0]! + query;
}

/**
 * Twilio: `X-Twilio-Signature` is the base64 HMAC-SHA1 (auth token) of the full URL plus the sorted form
 * parameters. JSON bodies are signed through a `bodySHA256` query parameter instead (URL only, no params).
 */
export const twilio = defineProvider({
  type: 'twilio',
  schema: z.object({ type: z.literal('twilio'), secret: secretList, url: z.url().optional() }),
  create: ({ secret, url }) => ({
    forwardHeaders: [HEADER, 'i-twilio-idempotency-token'],
    signatureHeaders: [HEADER],
    verify(request) {
      const presented = headerValue(request.headers[HEADER]);
      if (!presented) return reject('signature_missing', 'missing X-Twilio-Signature header');
      const target = signedUrl(url, request.url);
      if (!URL.canParse(target)) return reject('signature_invalid', 'request URL cannot be parsed');
      const candidates = urlVariants(target);
      const bodyHash = new URL(target).searchParams.get('bodySHA256');
      const params = bodyHash === null ? request.body : undefined;
      const expected = candidates.flatMap((candidate) =>
        secret.map((token) => signatureOf(token, candidate, params)),
      );
      const verdict = signatureVerdict(
        matchOf([presented.trim()], expected),
        'X-Twilio-Signature does not match',
      );
      if (!verdict.ok) return verdict;
      if (
        bodyHash !== null &&
        !safeEqual(bodyHash.toLowerCase(), createHash('sha256').update(request.body).digest('hex'))
      ) {
        return reject('signature_invalid', 'bodySHA256 does not match the body');
      }
      return verdict;
    },
  }),
  sign: ({ secret, url }, body, options) => {
    const target = signedUrl(url, options.url);
    const params = new URL(target).searchParams.has('bodySHA256') ? undefined : body;
    return { [HEADER]: signatureOf(secret[0]!, target, params) };
  },
  event: { id: 'headers.i-twilio-idempotency-token' },
  replayGuard: 'content',
  bodyFormat: 'form',
  redactHeaders: [HEADER],
  // An incoming SMS: Twilio's form posts name no event type.
  sample: {
    build: () =>
      formSample(
        {
          MessageSid: `SM${hex(16)}`,
          AccountSid: `AC${hex(16)}`,
          From: '+2250707000000',
          To: '+2250101000000',
          Body: 'PAYE 15000 XOF commande 1042',
          NumMedia: '0',
        },
        { 'i-twilio-idempotency-token': randomUUID() },
      ),
  },
  testConfig: secretTestConfig(
    'twilio',
    ['0ld4uthT0ken00000000000000000000', 'n3w4uthT0ken00000000000000000000'],
    'wr0ng4uthT0ken000000000000000000',
  ),
});
