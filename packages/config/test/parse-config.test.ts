import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/index.js';

const minimal = (extra = '') => `
sources:
  stripe:
    path: /api/webhooks/stripe
    verify: { type: stripe, secret: \${STRIPE_WEBHOOK_SECRET} }
    destination: { url: "\${BACKEND_URL:-http://127.0.0.1:4000}/webhooks/stripe", headers: { Authorization: "Bearer \${BACKEND_TOKEN:-}" } }
${extra}`;

function problemsOf(text: string, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(text, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseConfig', () => {
  it('substitutes ${VAR} and ${VAR:-default}, inside flow mappings and quoted strings alike', () => {
    const config = parseConfig(minimal(), {
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      BACKEND_TOKEN: 't0k:en "quoted"',
    });
    const [stripe] = config.sources;
    expect(stripe!.verify).toMatchObject({ type: 'stripe', secret: ['whsec_abc'], tolerance: 300 });
    expect(stripe!.destinations[0]).toMatchObject({
      name: 'default',
      url: 'http://127.0.0.1:4000/webhooks/stripe',
      format: 'raw',
      headers: { authorization: 'Bearer t0k:en "quoted"' },
    });
    expect(stripe!.paths).toEqual(['/api/webhooks/stripe', '/webhooks/stripe']);
  });

  it('refuses a whitespace-only secret, as it refuses an empty one, naming the path and not the value', () => {
    for (const secret of [' ', '\t  ', '']) {
      expect(problemsOf(minimal(), { STRIPE_WEBHOOK_SECRET: secret })).toEqual([
        expect.stringMatching(/^sources\.stripe\.verify\.secret(\.\d+)?: (required|blank)/),
      ]);
    }
    expect(
      problemsOf(minimal('dashboard: { password: "   " }'), { STRIPE_WEBHOOK_SECRET: 'whsec_abc' }),
    ).toEqual([expect.stringMatching(/^dashboard\.password: blank/)]);
  });

  it('applies the slow-client limits, loopback dashboard, body format and content de-duplication defaults', () => {
    const config = parseConfig(
      `${minimal()}
  github:
    verify: { type: github, secret: gh }
    destination: { url: "http://127.0.0.1:4000/gh" }
  github-by-id:
    verify: { type: github, secret: gh }
    dedupe: { content: false }
    destination: { url: "http://127.0.0.1:4000/gh" }
  cinetpay:
    verify: { type: cinetpay, secret: cp }
    destination: { url: "http://127.0.0.1:4000/cp" }
  raw-form:
    verify: { type: hmac, header: x-sig, secret: s }
    format: form
    destination: { url: "http://127.0.0.1:4000/f" }`,
      { STRIPE_WEBHOOK_SECRET: 'whsec_abc' },
    );
    expect(config.ingress).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      maxConnections: 1_000,
    });
    expect(config.dashboard.host).toBe('127.0.0.1');
    const byName = Object.fromEntries(config.sources.map((s) => [s.name, s]));
    expect(byName.stripe).toMatchObject({ format: 'json', dedupeContent: false });
    expect(byName.github).toMatchObject({ format: 'json', dedupeContent: true });
    expect(byName['github-by-id']).toMatchObject({ dedupeContent: false });
    expect(byName.cinetpay).toMatchObject({ format: 'form', dedupeContent: true });
    expect(byName['raw-form']).toMatchObject({ format: 'form', dedupeContent: true });
  });

  it('applies defaults and converts durations and sizes', () => {
    const config = parseConfig(minimal(), { STRIPE_WEBHOOK_SECRET: 'whsec_abc' });
    expect(config.ingress).toMatchObject({ port: 3000, bodyLimit: 1024 * 1024 });
    expect(config.worker.concurrency).toBe(50);
    expect(config.sources[0]!.destinations[0]!.retry).toEqual({
      attempts: 10,
      backoff: 'exponential',
      delayMs: 1000,
      maxDelayMs: 3_600_000,
      jitter: 0.2,
    });
    expect(config.sources[0]!.destinations[0]!.timeoutMs).toBe(10_000);
    expect(config.retention).toEqual({
      deliveredMs: 86_400_000,
      deadMs: 14 * 86_400_000,
      dedupeMs: 86_400_000,
    });
  });

  it('lets a source and a destination override the retry defaults', () => {
    const config = parseConfig(
      `defaults: { retry: { attempts: 4, delay: 2s }, timeout: 5s }
sources:
  a:
    verify: { type: none }
    retry: { backoff: linear, maxDelay: 5m }
    destinations:
      - { url: "http://x/1" }
      - { name: slow, url: "http://x/2", timeout: 30s, retry: { attempts: 2 } }
`,
      {},
    );
    const [first, second] = config.sources[0]!.destinations;
    expect(first).toMatchObject({
      name: 'd1',
      timeoutMs: 5000,
      retry: { attempts: 4, backoff: 'linear', delayMs: 2000, maxDelayMs: 300_000 },
    });
    expect(second).toMatchObject({
      name: 'slow',
      timeoutMs: 30_000,
      retry: { attempts: 2, backoff: 'linear' },
    });
  });

  it('names every problem by its path, one line each', () => {
    const problems = problemsOf(
      minimal(`  payment:
    verify: { type: hmac, header: x-signature, algorithm: md5, secret: \${PAYMENT_WEBHOOK_SECRET} }
    destination: { url: not-a-url }
  broken:
    verify: { type: nonsense }
`),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'sources.stripe.verify.secret: required',
        expect.stringMatching(/^sources\.payment\.verify\.algorithm: /),
        'sources.payment.verify.secret: required',
        expect.stringMatching(/^sources\.payment\.destination\.url: /),
        expect.stringMatching(/^sources\.broken\.verify\.type: unknown verifier type "nonsense"/),
      ]),
    );
  });

  it('asks for exactly one of destination and destinations', () => {
    const problems = problemsOf(`sources:
  none: { verify: { type: none } }
  both: { verify: { type: none }, destination: { url: "http://x" }, destinations: [{ url: "http://y" }] }
`);
    expect(problems).toEqual([
      'sources.none.destination: set exactly one of destination or destinations',
      'sources.both.destination: set exactly one of destination or destinations',
    ]);
  });

  it('never puts a secret value in a problem line', () => {
    const secret = 'sk_live_very_secret_value_42';
    const problems = problemsOf(`sources:
  a:
    verify: { type: hmac, header: x-sig, secret: ${secret}, algorithm: sha999 }
    destination: { url: "${secret}", headers: { authorization: 7 } }
`);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('refuses two sources on the same path', () => {
    const problems = problemsOf(`sources:
  a: { path: /hook, verify: { type: none }, destination: { url: "http://x" } }
  b: { path: /hook, verify: { type: none }, destination: { url: "http://x" } }
`);
    expect(problems).toEqual(['sources.b.path: same path as source a']);
  });

  it('reports YAML syntax errors with a line number', () => {
    expect(problemsOf('sources:\n  a: [unclosed\n')).toEqual([
      expect.stringMatching(/^hookrelay\.yaml(:\d+)?: not valid YAML$/),
    ]);
  });
});
