import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createVerifier,
  parseBody,
  PROVIDERS,
  providerFor,
  REDACTED_HEADERS,
  sampleEventTypes,
  sampleRequest,
  signRequest,
  verifyConfigSchema,
  type ProviderDefinition,
} from '../src/index.js';
import { eventField, incoming, NOW_MS } from './helpers.js';

const URL_CALLED = 'https://relay.example.com/webhooks/sample';
const names = (provider: ProviderDefinition) => [provider.type, ...(provider.aliases ?? [])];

/** Every provider definition the files of src/providers export, found by shape. */
async function definitionsOnDisk(): Promise<ProviderDefinition[]> {
  const directory = new URL('../src/providers/', import.meta.url);
  const modules = await Promise.all(
    readdirSync(directory)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => import(new URL(file, directory).href) as Promise<Record<string, unknown>>),
  );
  return modules.flatMap((exports) =>
    Object.values(exports).filter(
      (value): value is ProviderDefinition =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as ProviderDefinition).type === 'string' &&
        typeof (value as ProviderDefinition).create === 'function',
    ),
  );
}

describe('the provider catalogue', () => {
  it('registers the definition of every file in src/providers, and each type or alias once', async () => {
    const onDisk = await definitionsOnDisk();
    expect(onDisk.length).toBeGreaterThanOrEqual(PROVIDERS.length);
    for (const definition of onDisk) expect(PROVIDERS, definition.type).toContain(definition);
    const all = PROVIDERS.flatMap(names);
    expect(new Set(all).size, all.join(', ')).toBe(all.length);
  });

  it.each(
    PROVIDERS.flatMap((provider) => names(provider).map((name) => [name, provider] as const)),
  )(
    'resolves %s to its definition and parses its test config under that name',
    (name, provider) => {
      expect(providerFor(name)).toBe(provider);
      const { testConfig } = provider;
      const parsed = verifyConfigSchema.parse({
        ...testConfig.verify(testConfig.secrets),
        type: name,
      });
      expect(parsed.type).toBe(provider.type);
      expect(() => createVerifier(parsed)).not.toThrow();
    },
  );

  it('refuses an unknown verify type, naming the known ones', () => {
    expect(() => providerFor('nope')).toThrow('unknown verifier type "nope"');
    const result = verifyConfigSchema.safeParse({ type: 'nope' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/known: .*stripe.*svix/);
  });

  it('lists, for the logger, the headers carrying each provider’s signature or credential', () => {
    for (const provider of PROVIDERS) {
      for (const name of provider.redactHeaders) expect(REDACTED_HEADERS).toContain(name);
      const config = verifyConfigSchema.parse(
        provider.testConfig.verify(provider.testConfig.secrets),
      );
      const configured = (config as { header?: string }).header;
      for (const name of createVerifier(config).signatureHeaders) {
        if (name !== configured) expect(provider.redactHeaders, provider.type).toContain(name);
      }
    }
    expect(REDACTED_HEADERS).toEqual(expect.arrayContaining(['verif-hash', 'x-token']));
  });

  it('throws for a verify type without a sample instead of making one up', () => {
    expect(PROVIDERS.filter((provider) => !provider.sample)).toEqual([]);
    expect(() => sampleRequest('nope')).toThrow('unknown verifier type "nope"');
  });
});

describe.each(PROVIDERS.filter((provider) => provider.sample).map((p) => [p.type, p] as const))(
  'the %s sample',
  (type, provider) => {
    const sample = provider.sample!;
    const locations = provider.event ?? sample.event ?? {};
    const asked = sample.eventType === undefined ? undefined : 'hookrelay.sample_test';
    const request = (eventType: string | undefined) => {
      const made = sampleRequest(type, eventType, new Date(NOW_MS));
      const config = verifyConfigSchema.parse(
        provider.testConfig.verify(provider.testConfig.secrets.slice(-1)),
      );
      const signature = provider.sign
        ? signRequest(config, made.body, { nowMs: NOW_MS, url: URL_CALLED })
        : {};
      const headers = { 'content-type': made.contentType, ...made.headers, ...signature };
      return { config, made, webhook: incoming(made.body, headers, URL_CALLED) };
    };

    if (provider.sign) {
      it('passes its verifier once signed by hookrelay, and fails it once changed', async () => {
        const { config, webhook } = request(asked);
        const verifier = createVerifier(config);
        expect(await verifier.verify(webhook, NOW_MS)).toMatchObject({ ok: true });
        if (provider.replayGuard !== 'none') {
          const changed = { ...webhook, body: Buffer.concat([webhook.body, Buffer.from(' ')]) };
          expect(await verifier.verify(changed, NOW_MS)).toMatchObject({ ok: false });
        }
      });
    }

    it('parses the way its provider’s bodies do', () => {
      const { made } = request(asked);
      const expected =
        provider.bodyFormat === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
      expect(made.contentType).toBe(expected);
      expect(parseBody(made.body, provider.bodyFormat ?? 'json')).toEqual(expect.any(Object));
    });

    if (asked) {
      it(`carries the event type asked for where ${type} puts it, and ${sample.eventType} by default`, () => {
        const format = provider.bodyFormat;
        expect(eventField(locations.type, request(asked).webhook, format)).toBe(asked);
        expect(eventField(locations.type, request(undefined).webhook, format)).toBe(
          sample.eventType,
        );
      });
    } else {
      it('has no event type, as its provider names none', () => {
        expect(locations.type).toBeUndefined();
      });
    }

    if (locations.id) {
      it('is a new event each time: a fresh event id', () => {
        const format = provider.bodyFormat;
        const first = eventField(locations.id, request(asked).webhook, format);
        const second = eventField(locations.id, request(asked).webhook, format);
        expect(first).toEqual(expect.stringMatching(/.+/));
        expect(second).not.toBe(first);
      });
    } else {
      it('is a new event each time: fresh content', () => {
        expect(request(asked).made.body.equals(request(asked).made.body)).toBe(false);
      });
    }
  },
);

describe.each(
  PROVIDERS.flatMap((provider) =>
    sampleEventTypes(provider.type).map(
      (eventType) => [provider.type, eventType, provider] as const,
    ),
  ),
)('the %s sample of %s', (type, eventType, provider) => {
  const locations = provider.event ?? provider.sample!.event ?? {};
  const config = verifyConfigSchema.parse(
    provider.testConfig.verify(provider.testConfig.secrets.slice(-1)),
  );
  const made = () => {
    const request = sampleRequest(type, eventType, new Date(NOW_MS));
    const signature = provider.sign
      ? signRequest(config, request.body, { nowMs: NOW_MS, url: URL_CALLED })
      : {};
    const headers = { 'content-type': request.contentType, ...request.headers, ...signature };
    return incoming(request.body, headers, URL_CALLED);
  };

  it('carries its type where the provider puts it, and new content each time', () => {
    expect(eventField(locations.type, made(), provider.bodyFormat)).toBe(eventType);
    expect(made().body.equals(made().body)).toBe(false);
  });

  if (provider.sign) {
    it('passes its verifier once signed by hookrelay', async () => {
      expect(await createVerifier(config).verify(made(), NOW_MS)).toMatchObject({ ok: true });
    });
  }
});

describe('sample event types', () => {
  it('list the default type first, and are empty where the provider names no type', () => {
    for (const { type, sample } of PROVIDERS) {
      const types = sampleEventTypes(type);
      expect(types[0], type).toBe(sample!.eventType);
      expect(new Set(types).size, type).toBe(types.length);
    }
    expect(sampleEventTypes('twilio')).toEqual([]);
    expect(sampleEventTypes('github')).toEqual(['push', 'pull_request', 'issues', 'ping']);
    expect(sampleEventTypes('stripe')).toEqual(
      expect.arrayContaining(['payment_intent.succeeded', 'charge.refunded', 'invoice.paid']),
    );
  });

  it('give each type of its own a payload of its own, and any other type the default payload', () => {
    const body = (type: string, eventType?: string) =>
      JSON.parse(sampleRequest(type, eventType).body.toString()) as Record<string, unknown>;
    const keys = (value: unknown) => Object.keys(value as object).sort();
    expect(keys(body('github', 'pull_request'))).toContain('pull_request');
    expect(keys(body('github', 'not.a.thing'))).toEqual(keys(body('github')));
    expect(keys(body('github', 'constructor'))).toEqual(keys(body('github')));
    const object = (eventType?: string) =>
      (body('stripe', eventType).data as { object: object }).object;
    expect(object('checkout.session.completed')).toMatchObject({ object: 'checkout.session' });
    expect(object('charge.refunded')).toMatchObject({ object: 'charge', refunded: true });
    expect(keys(object('not.a.thing'))).toEqual(keys(object()));
  });
});
