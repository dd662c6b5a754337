import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redact, REDACTED, sensitiveKeys } from '../src/index.js';

/** A logger writing into an array of parsed JSON lines. */
function capture(redactKeys?: readonly string[]) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ app: 'test', stream, redactKeys }) };
}

describe('log redaction', () => {
  it('masks the keys any secret has, at the top level and nested, and keeps the rest', () => {
    const { lines, logger } = capture();
    logger.info('received', {
      source: 'stripe',
      password: 'hunter2',
      headers: {
        'Stripe-Signature': 't=1,v1=abc',
        authorization: 'Bearer xyz',
        'x-api-key': 'k',
        'x-shopify-hmac-sha256': 'h',
        'x-request-id': 'req-1',
      },
    });
    expect(lines[0]).toMatchObject({
      message: 'received',
      source: 'stripe',
      password: REDACTED,
      headers: {
        'Stripe-Signature': REDACTED,
        authorization: REDACTED,
        'x-api-key': REDACTED,
        'x-shopify-hmac-sha256': REDACTED,
        'x-request-id': 'req-1',
      },
    });
  });

  it('masks the header names it is given, in any case, and only with them', () => {
    const headers = { 'Verif-Hash': 'flw-secret-hash', 'paypal-transmission-sig': 'c2ln' };
    const plain = capture();
    plain.logger.info('received', { headers });
    expect(plain.lines[0]!.headers).toEqual(headers);

    const { lines, logger } = capture(['verif-hash', 'paypal-transmission-sig']);
    logger.info('received', { headers, 'verif-hash': 'flw-secret-hash' });
    expect(lines[0]).toMatchObject({
      'verif-hash': REDACTED,
      headers: { 'Verif-Hash': REDACTED, 'paypal-transmission-sig': REDACTED },
    });
    expect(JSON.stringify(lines)).not.toContain('flw-secret-hash');
  });

  it('reduces errors to name and message', () => {
    expect(redact({ error: new TypeError('boom') }, sensitiveKeys())).toEqual({
      error: { name: 'TypeError', message: 'boom' },
    });
  });
});
