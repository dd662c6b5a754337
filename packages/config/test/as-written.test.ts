import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { verifyPlugin } from '@hookrelay/verifiers';
import { maskSecrets, parseConfig, parseConfigAsWritten } from '../src/index.js';

const options = { verify: verifyPlugin };

/** The repository's own hookrelay.yaml, and one that sets (nearly) every key in every form. */
const CASES = {
  'the repository hookrelay.yaml': {
    yaml: readFileSync(new URL('../../../hookrelay.yaml', import.meta.url), 'utf8'),
    env: {
      REDIS_URL: 'redis://default:redis-pass@127.0.0.1:6379',
      STRIPE_WEBHOOK_SECRET: 'whsec_stripe_secret',
      PAYMENT_WEBHOOK_SECRET: 'payment-secret',
      NOTIFY_TOKEN: 'notify-token',
      BACKEND_TOKEN: 'backend-token',
      DASHBOARD_PASSWORD: 'dashboard-password',
      WORKER_CONCURRENCY: '8',
    },
  },
  'a file setting every kind of key': {
    yaml: `
redis: { url: "redis://127.0.0.1:6380", prefix: "{hookrelay}" }
ingress: { port: "\${PORT}", bodyLimit: 524288, enqueueTimeout: 500, headersTimeout: 5s, trustProxy: true }
dashboard: { host: 0.0.0.0, token: dashboard-token }
worker: { lockDuration: 1m, shutdownTimeout: 90000 }
signing: { secret: "whsec_c2lnbmluZ3NlY3JldA==" }
retention: { delivered: 12h, dead: 7d, dedupe: 1500ms }
defaults: { retry: { attempts: 3, backoff: linear, delay: 2s, jitter: 0 }, timeout: 2.5s }
sources:
  svix:
    verify: { type: standard-webhooks, secret: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], tolerance: 10m }
    bodyLimit: 64kb
    event: { delayUntil: body.scheduled_at }
    dedupe: { content: true }
    retry: { maxDelay: 5m }
    timeout: 3s
    log: { body: true, bodyMaxBytes: 1000 }
    destinations:
      - { url: "http://127.0.0.1:4000/a", format: envelope, headers: { X-Api-Key: api-key }, timeout: 1s, retry: { attempts: 2 } }
      - { name: audit, url: "http://127.0.0.1:4000/b" }
  notify:
    path: /hooks/notify
    verify: { type: token, header: Authorization, value: ["Bearer one", "Bearer two"] }
    format: form
    destination: { name: backend, url: "http://127.0.0.1:4000/n" }
`,
    env: { PORT: '3100' },
  },
};

/** `masked` with each masked value replaced by a reference to a variable holding the real one. */
function withReferences(masked: unknown, real: unknown, env: Record<string, string>): unknown {
  if (typeof masked === 'string' && masked !== real) {
    const name = `SECRET_${Object.keys(env).length}`;
    env[name] = real as string;
    return `\${${name}}`;
  }
  if (Array.isArray(masked))
    return masked.map((item, i) => withReferences(item, (real as unknown[])[i], env));
  if (masked !== null && typeof masked === 'object')
    return Object.fromEntries(
      Object.entries(masked).map(([key, item]) => [
        key,
        withReferences(item, (real as Record<string, unknown>)[key], env),
      ]),
    );
  return masked;
}

const keysOf = (value: unknown): string[] =>
  value !== null && typeof value === 'object'
    ? Object.entries(value).flatMap(([key, item]) => [key, ...keysOf(item)])
    : [];

describe.each(Object.entries(CASES))('the config as written, for %s', (_name, { yaml, env }) => {
  const { config, written } = parseConfigAsWritten(yaml, env, options);

  it('uses the file’s own key names, durations and sizes in units', () => {
    expect(keysOf(written).filter((key) => key.endsWith('Ms') || key === 'paths')).toEqual([]);
    expect(written).toMatchObject({
      ingress: {
        enqueueTimeout: expect.stringMatching(/^\d+ms$/),
        bodyLimit: expect.stringMatching(/kb|mb/),
      },
      worker: { lockDuration: expect.stringMatching(/^\d+[sm]$/) },
      retention: { delivered: expect.stringMatching(/^\d+[hd]$/) },
      defaults: { retry: { attempts: expect.any(Number), delay: expect.any(String) } },
    });
  });

  it('reads back, its masked secrets replaced by ${VAR} references, as the same config', () => {
    const masked = maskSecrets(written);
    const secrets: Record<string, string> = {};
    const pasted = stringify(withReferences(masked, written, secrets));
    expect(Object.keys(secrets)).not.toEqual([]);
    for (const secret of Object.values(secrets)) expect(stringify(masked)).not.toContain(secret);
    expect(parseConfig(pasted, secrets, options)).toEqual(config);
  });
});

describe('the config as written', () => {
  it('writes each default, and durations, sizes and numbers in the forms the file takes', () => {
    const { written } = parseConfigAsWritten(
      CASES['a file setting every kind of key'].yaml,
      { PORT: '3100' },
      options,
    );
    expect(written).toMatchObject({
      ingress: {
        port: 3100,
        bodyLimit: '512kb',
        enqueueTimeout: '500ms',
        headersTimeout: '5s',
        requestTimeout: '30s',
      },
      worker: { lockDuration: '1m', shutdownTimeout: '90s', concurrency: 50 },
      retention: { delivered: '12h', dead: '7d', dedupe: '1500ms' },
      defaults: {
        retry: { attempts: 3, backoff: 'linear', delay: '2s', maxDelay: '1h', jitter: 0 },
        timeout: '2500ms',
      },
    });
    expect((written.sources as Record<string, unknown>).svix).toEqual({
      bodyLimit: '64kb',
      verify: {
        type: 'standard-webhooks',
        secret: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
        tolerance: '10m',
      },
      event: { delayUntil: 'body.scheduled_at' },
      dedupe: { content: true },
      destinations: [
        {
          url: 'http://127.0.0.1:4000/a',
          format: 'envelope',
          headers: { 'X-Api-Key': 'api-key' },
          timeout: '1s',
          retry: { attempts: 2 },
        },
        { name: 'audit', url: 'http://127.0.0.1:4000/b', format: 'raw' },
      ],
      retry: { maxDelay: '5m' },
      timeout: '3s',
      log: { body: true, bodyMaxBytes: 1000 }, // bytes: no unit divides 1000
    });
  });

  it('masks a Standard Webhooks secret as written, not the key it decodes to', () => {
    const { written } = parseConfigAsWritten(
      CASES['a file setting every kind of key'].yaml,
      { PORT: '3100' },
      options,
    );
    const masked = maskSecrets(written) as { sources: { svix: { verify: unknown } } };
    expect(masked.sources.svix.verify).toEqual({
      type: 'standard-webhooks',
      secret: ['••••••'],
      tolerance: '10m',
    });
  });
});
