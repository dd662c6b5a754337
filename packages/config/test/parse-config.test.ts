import { describe, expect, it } from 'vitest';
import { verifyPlugin } from '@hookrelay/verifiers';
import { ConfigError, parseConfig as parseWithPlugin } from '../src/index.js';

const parseConfig = (text: string, env: Record<string, string> = {}) =>
  parseWithPlugin(text, env, { verify: verifyPlugin });

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

  it('refuses two sources claiming one path, counting /webhooks/<name>, and names both', () => {
    expect(
      problemsOf(`sources:
  a: { path: /x, verify: { type: none }, destination: { url: "http://x" } }
  b: { path: /webhooks/a, verify: { type: none }, destination: { url: "http://x" } }
`),
    ).toEqual(['sources.b.path: same path as source a']);
    // The other way round: the explicit path is the one to change, whichever source comes first.
    expect(
      problemsOf(`sources:
  a: { path: /webhooks/b, verify: { type: none }, destination: { url: "http://x" } }
  b: { verify: { type: none }, destination: { url: "http://x" } }
`),
    ).toEqual(['sources.a.path: same path as source b']);
    // A source may spell out its own /webhooks/<name>.
    expect(
      problemsOf(`sources:
  a: { path: /webhooks/a, verify: { type: none }, destination: { url: "http://x" } }
`),
    ).toEqual([]);
  });

  it('refuses unknown keys at any depth, verify blocks included, naming each by its path', () => {
    const problems = problemsOf(
      `sourcs: {}
ingress: { prot: 3000 }
defaults: { retry: { attemps: 3 } }
sources:
  stripe:
    verify: { type: stripe, secret: whsec_abc, tolerence: 600 }
    retyr: { attempts: 3 }
    event: { ID: body.id }
    destination: { url: "http://x", timout: 5s, retry: { delai: 1s } }
`,
    );
    expect(problems.toSorted()).toEqual(
      [
        'sourcs: unknown key',
        'ingress.prot: unknown key',
        'defaults.retry.attemps: unknown key',
        'sources.stripe.retyr: unknown key',
        'sources.stripe.event.ID: unknown key',
        'sources.stripe.verify.tolerence: unknown key',
        'sources.stripe.destination.timout: unknown key',
        'sources.stripe.destination.retry.delai: unknown key',
      ].toSorted(),
    );
  });

  it('reports every problem of the file at once: keys, verify blocks and paths together', () => {
    const problems = problemsOf(`worker: { concurrency: 0 }
sources:
  a: { path: /hook, verify: { type: hmac, header: x-sig }, destination: { url: "http://x" } }
  b: { path: /hook, verify: { type: none }, destination: { url: "http://x" }, extra: 1 }
  c: { path: /metrics, verify: { type: none }, destination: { url: "http://x" } }
`);
    expect(problems.toSorted()).toEqual([
      'sources.a.verify.secret: required',
      'sources.b.extra: unknown key',
      'sources.b.path: same path as source a',
      'sources.c.path: reserved path',
      expect.stringMatching(/^worker\.concurrency: /),
    ]);
  });

  it('resolves a minimal file to every default, as before the schema resolved it itself', () => {
    const config = parseConfig(`sources:
  a: { verify: { type: none }, destination: { url: "http://x" } }
`);
    const retry = {
      attempts: 10,
      backoff: 'exponential',
      delayMs: 1000,
      maxDelayMs: 3_600_000,
      jitter: 0.2,
    };
    expect(config).toEqual({
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'hookrelay', waitForReplicas: 0 },
      ingress: {
        port: 3000,
        host: '0.0.0.0',
        bodyLimit: 1024 * 1024,
        enqueueTimeoutMs: 700,
        trustProxy: false,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        maxConnections: 1000,
      },
      dashboard: { port: 3001, host: '127.0.0.1', username: 'admin' },
      worker: {
        port: 3002,
        host: '0.0.0.0',
        concurrency: 50,
        shutdownTimeoutMs: 30_000,
        lockDurationMs: 10_000,
      },
      demoBackend: { port: 4000, host: '127.0.0.1' },
      signing: {},
      log: { level: 'info' },
      retention: { deliveredMs: 86_400_000, deadMs: 14 * 86_400_000, dedupeMs: 86_400_000 },
      sources: [
        {
          name: 'a',
          paths: ['/webhooks/a'],
          bodyLimit: 1024 * 1024,
          verify: { type: 'none' },
          event: {},
          format: 'json',
          dedupeContent: false,
          destinations: [
            {
              name: 'default',
              url: 'http://x',
              format: 'raw',
              headers: {},
              timeoutMs: 10_000,
              retry,
              breaker: { failureRate: 0.5, minRequests: 20, windowMs: 30_000, cooldownMs: 30_000 },
            },
          ],
          log: { body: false, bodyMaxBytes: 2048 },
        },
      ],
    });
  });

  it("resolves a destination's rate limit, concurrency and breaker (docs/contract.md §5)", () => {
    const config = parseConfig(`sources:
  a:
    verify: { type: none }
    destinations:
      - { url: "http://x", rateLimit: { max: 150, per: 1s }, concurrency: 5, breaker: { failureRate: 25%, window: 1m } }
      - { url: "http://y", breaker: { failureRate: 0.75, minRequests: 4, cooldown: 500ms } }
      - { url: "http://z", breaker: false }
`);
    const [limited, tuned, off] = config.sources[0]!.destinations;
    expect(limited).toMatchObject({
      rateLimit: { max: 150, perMs: 1000 },
      concurrency: 5,
      breaker: { failureRate: 0.25, minRequests: 20, windowMs: 60_000, cooldownMs: 30_000 },
    });
    expect(tuned).toMatchObject({
      breaker: { failureRate: 0.75, minRequests: 4, windowMs: 30_000, cooldownMs: 500 },
    });
    expect(tuned!.rateLimit).toBeUndefined();
    expect(tuned!.concurrency).toBeUndefined();
    expect(off!.breaker).toBe(false);
  });

  it('refuses a rate limit without max or per, a concurrency of 0 and a failure rate outside (0, 1]', () => {
    let problems: readonly string[] = [];
    try {
      parseConfig(`sources:
  a:
    verify: { type: none }
    destinations:
      - { url: "http://x", rateLimit: { max: 0 }, concurrency: 0 }
      - { url: "http://y", breaker: { failureRate: 150% } }
      - { url: "http://z", breaker: { failureRate: 0, minRequests: 0 } }
`);
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sources\.a\.destinations\.0\.rateLimit\.max: /),
        expect.stringMatching(/^sources\.a\.destinations\.0\.rateLimit\.per: /),
        expect.stringMatching(/^sources\.a\.destinations\.0\.concurrency: /),
        expect.stringMatching(/^sources\.a\.destinations\.1\.breaker\.failureRate: /),
        expect.stringMatching(/^sources\.a\.destinations\.2\.breaker\.failureRate: /),
        expect.stringMatching(/^sources\.a\.destinations\.2\.breaker\.minRequests: /),
      ]),
    );
  });

  it('without the verifiers plug-in, checks only that a verify block has a type, and defaults to JSON and id de-duplication', () => {
    const yaml = `sources:
  cinetpay: { verify: { type: cinetpay, secret: s, anything: 1 }, destination: { url: "http://x" } }
`;
    const [source] = parseWithPlugin(yaml, {}).sources;
    expect(source).toMatchObject({
      verify: { type: 'cinetpay', secret: 's', anything: 1 },
      format: 'json',
      dedupeContent: false,
    });
    // With it, the same source takes CinetPay's form bodies and content de-duplication.
    expect(() => parseConfig(yaml)).toThrow(ConfigError);
    expect(
      parseWithPlugin(yaml.replace(', anything: 1', ''), {}, { verify: verifyPlugin }).sources[0],
    ).toMatchObject({ format: 'form', dedupeContent: true });
    let problems: readonly string[] = [];
    try {
      parseWithPlugin(
        `sources:
  a: { verify: { secret: s }, destination: { url: "http://x" } }
`,
        {},
      );
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual(['sources.a.verify.type: required']);
  });

  it('reports YAML syntax errors with the file, the line and the reason, quoting none of the file', () => {
    const text = 'sources:\n  a: { secret: "s3cret-value" }}\n';
    const named = () => parseWithPlugin(text, {}, { file: 'other.yaml' });
    expect(named).toThrow(ConfigError);
    expect(() => named()).toThrow(
      /^invalid hookrelay config:\nother\.yaml:2: not valid YAML \(Unexpected flow-map-end token in YAML stream\)$/,
    );
    // Without a file, a neutral name: the text may not come from hookrelay.yaml.
    expect(problemsOf('sources:\n  a: [unclosed\n')).toEqual([
      expect.stringMatching(/^config:3: not valid YAML \(Flow sequence .*\)$/),
    ]);
    expect(problemsOf(text).join()).not.toContain('s3cret');
  });

  it('states the naming rule for a source name it refuses, and the source’s other problems too', () => {
    expect(
      problemsOf(`sources:
  Stripe: { verify: { type: stripe, secret: s }, destination: { url: nowhere } }
  ok_name-2: { verify: { type: none }, destination: { url: "http://x" } }
`),
    ).toEqual([
      'sources.Stripe.destination.url: expected an http(s) URL',
      'sources.Stripe: source names use lowercase letters, digits, - and _',
    ]);
  });
});
