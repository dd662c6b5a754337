import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incoming, NOW_MS, NOW_S, verdictOf } from './helpers.js';

/**
 * Property: for every provider that signs a timestamp, a genuine header whose *structure* was tampered
 * with (a timestamp duplicated or swapped for a fresh one, fields reordered, dropped or added) is
 * never accepted, whatever the body. Signed here with each provider's documented algorithm on raw
 * bytes (the contract suites check the providers' own libraries agree), so bodies may be any bytes.
 */

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const STALE_S = NOW_S - 3 * 86_400;

type Headers = Record<string, string>;

interface TimestampedScheme {
  readonly type: string;
  /** A genuine header set for `body` signed at `timestampS`. */
  readonly sign: (body: Buffer, timestampS: number) => Headers;
  /** Ways of re-sending a captured stale request (`stale`) that a fresh timestamp must not rescue. */
  readonly tampers: readonly ((stale: Headers, fresh: Headers) => Headers)[];
}

const hex = (data: (string | Buffer)[]) => {
  const mac = createHmac('sha256', SECRET);
  for (const part of data) mac.update(part);
  return mac.digest('hex');
};

/** Stripe, Wave and FedaPay: `<header>: t=<s>,<key>=<hex>` over `t + separator + body`. */
function tEqualsFamily(type: string, header: string, key: string, separator: string) {
  const sign = (body: Buffer, t: number): Headers => ({
    [header]: `t=${t},${key}=${hex([`${t}${separator}`, body])}`,
  });
  const parts = (headers: Headers) => {
    const [t, signature] = headers[header]!.split(',');
    return { t: t!, signature: signature! };
  };
  const tamper = (build: (stale: { t: string; signature: string }, fresh: string) => string) => {
    return (stale: Headers, fresh: Headers) => ({
      [header]: build(parts(stale), parts(fresh).t),
    });
  };
  const tampers = [
    tamper((s, now) => `${now},${s.t},${s.signature}`),
    tamper((s, now) => `${s.t},${now},${s.signature}`),
    tamper((s, now) => `${now},${s.signature},${s.t}`),
    tamper((s, now) => `${s.t},${s.signature},${now}`),
    tamper((s, now) => `${s.signature},${now}`),
    tamper((s, now) => `${now},${s.signature}`),
    tamper((s) => `${s.signature}`),
    tamper((s, now) => `${now}`),
    tamper((s, now) => `${now},${s.signature},garbage`),
    tamper((s, now) => `${now},,${s.signature}`),
    tamper((s, now) => `${now},${key}=,${s.signature}`),
    tamper((s, now) => `${now.replace('t=', 't = ')}${s.t.slice(1)},${s.signature}`),
    tamper((s, now) => `${now};${s.t},${s.signature}`),
    tamper((s, now) => `${now}${s.t.slice(2)},${s.signature}`),
  ];
  return { type, sign, tampers } satisfies TimestampedScheme;
}

const standardSign = (body: Buffer, t: number, id = 'msg_2Lh9KqX0rTzStd'): Headers => {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${t}.`).update(body).digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(t),
    'webhook-signature': `v1,${signature}`,
  };
};
const svixNames = (headers: Headers): Headers =>
  Object.fromEntries(
    Object.entries(headers).map(([name, v]) => [name.replace('webhook', 'svix'), v]),
  );

const standardWebhooks: TimestampedScheme = {
  type: 'standard-webhooks',
  sign: standardSign,
  tampers: [
    (stale, fresh) => ({ ...stale, 'webhook-timestamp': fresh['webhook-timestamp']! }),
    (stale, fresh) => ({
      ...stale,
      'webhook-timestamp': `${fresh['webhook-timestamp']}, ${stale['webhook-timestamp']}`,
    }),
    (stale, fresh) => ({
      ...stale,
      'webhook-timestamp': `${stale['webhook-timestamp']}, ${fresh['webhook-timestamp']}`,
    }),
    (stale, fresh) => ({ ...svixNames(stale), 'webhook-timestamp': fresh['webhook-timestamp']! }),
    (stale, fresh) => ({ ...svixNames(stale), 'webhook-id': fresh['webhook-id']! }),
    (stale, fresh) => ({ ...fresh, 'webhook-signature': stale['webhook-signature']! }),
    (stale) => ({
      'webhook-id': stale['webhook-id']!,
      'webhook-signature': stale['webhook-signature']!,
    }),
    (stale, fresh) => ({ ...stale, 'webhook-timestamp': `${fresh['webhook-timestamp']}.0` }),
    (stale, fresh) => ({ ...stale, 'webhook-timestamp': ` ${fresh['webhook-timestamp']}` }),
  ],
};

const SCHEMES: readonly TimestampedScheme[] = [
  tEqualsFamily('stripe', 'stripe-signature', 'v1', '.'),
  tEqualsFamily('wave', 'wave-signature', 'v1', ''),
  tEqualsFamily('fedapay', 'x-fedapay-signature', 's', '.'),
  standardWebhooks,
];

const bodies = fc.uint8Array({ minLength: 0, maxLength: 512 }).map((bytes) => Buffer.from(bytes));
const staleTimes = fc.integer({ min: NOW_S - 400 * 86_400, max: NOW_S - 301 });

describe.each(SCHEMES)('$type signatures under tampering (fast-check)', (scheme) => {
  const config = { type: scheme.type, secret: SECRET };
  const verdict = (body: Buffer, headers: Headers) =>
    verdictOf(config, incoming(body, { 'content-type': 'application/json', ...headers }), NOW_MS);

  it('accepts any body genuinely signed now, so a refusal below means something', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        expect(await verdict(body, scheme.sign(body, NOW_S))).toMatchObject({ ok: true });
      }),
      { numRuns: 50 },
    );
  });

  it('never accepts a captured stale request whose header structure was tampered with', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies,
        staleTimes,
        fc.nat({ max: scheme.tampers.length - 1 }),
        async (body, staleS, which) => {
          const tampered = scheme.tampers[which]!(
            scheme.sign(body, staleS),
            scheme.sign(Buffer.from('another body'), NOW_S),
          );
          expect(await verdict(body, tampered)).toMatchObject({ ok: false });
        },
      ),
      { numRuns: 400 },
    );
  });

  it(`refuses the same captured request untampered as stale (${STALE_S})`, async () => {
    const body = Buffer.from('{"id":"evt_old"}');
    expect(await verdict(body, scheme.sign(body, STALE_S))).toMatchObject({
      ok: false,
      code: 'timestamp_out_of_tolerance',
    });
  });
});
