import { describe, expect, it, vi } from 'vitest';
import {
  compileLocation,
  createVerifier,
  parseBody,
  PROVIDERS,
  signRequest,
  verifyConfigSchema,
} from '@hookrelay/verifiers';
import type * as Verifiers from '@hookrelay/verifiers';
import { CliError } from '../src/cli-error.js';
import { eventTypeNote, sampleRequest } from '../src/samples.js';

// One more verify type, without a sample, to see what `hookrelay send` makes of it.
vi.mock('@hookrelay/verifiers', async (importOriginal) => {
  const original = await importOriginal<typeof Verifiers>();
  const bare = { ...original.providerFor('token'), type: 'bare', sample: undefined };
  return {
    ...original,
    providerFor: (type: string) => (type === 'bare' ? bare : original.providerFor(type)),
  };
});

const URL_CALLED = 'http://127.0.0.1:3000/webhooks/sample';

describe('built-in sample webhooks', () => {
  const signable = PROVIDERS.filter((provider) => provider.sign);

  it('exist for every provider type that can be signed, and for no other type is one made up', () => {
    for (const provider of signable) expect(() => sampleRequest(provider.type)).not.toThrow();
    expect(() => sampleRequest('bare')).toThrow(CliError);
    expect(() => sampleRequest('bare')).toThrow(
      'verify type "bare" has no built-in sample webhook: send one with --file',
    );
  });

  for (const provider of signable) {
    const { sample, testConfig } = provider;
    const locations = provider.event ?? sample?.event ?? {};
    it(`a ${provider.type} sample signed by its provider passes that provider's verifier, which reads its event type`, async () => {
      const config = verifyConfigSchema.parse(testConfig.verify(testConfig.secrets.slice(-1)));
      for (const asked of [undefined, 'hookrelay.cli_test']) {
        const made = sampleRequest(provider.type, asked);
        const headers = {
          'content-type': made.contentType,
          ...made.headers,
          ...signRequest(config, made.body, { url: URL_CALLED }),
        };
        const verdict = await createVerifier(config).verify(
          { body: made.body, headers, url: URL_CALLED },
          Date.now(),
        );
        expect(verdict).toMatchObject({ ok: true });
        const context = {
          headers,
          body: () => parseBody(made.body, provider.bodyFormat ?? 'json'),
        };
        const type = locations.type ? compileLocation(locations.type)(context) : undefined;
        expect(type).toBe(
          sample?.eventType === undefined ? undefined : (asked ?? sample.eventType),
        );
        if (locations.id) expect(compileLocation(locations.id)(context)).toMatch(/.+/);
      }
    });
  }

  it('are new events each time (fresh ids), so repeated sends are not de-duplicated', () => {
    for (const type of ['stripe', 'wave', 'fedapay', 'cinetpay', 'hmac']) {
      expect(sampleRequest(type).body.equals(sampleRequest(type).body), type).toBe(false);
    }
  });

  it('use the event type asked for', () => {
    expect(JSON.parse(sampleRequest('stripe', 'charge.refunded').body.toString())).toMatchObject({
      type: 'charge.refunded',
    });
    expect(sampleRequest('github', 'pull_request').headers['x-github-event']).toBe('pull_request');
    expect(JSON.parse(sampleRequest('paystack', 'transfer.success').body.toString())).toMatchObject(
      { event: 'transfer.success' },
    );
  });

  it('say when --event changes only the label, and refuse it where the provider names no type', () => {
    for (const type of ['push', 'pull_request', 'issues', 'ping'])
      expect(eventTypeNote('github', type), type).toBeUndefined();
    expect(eventTypeNote('stripe', 'charge.refunded')).toBeUndefined();
    expect(eventTypeNote('github', 'not.a.thing')).toBe(
      'no github sample for "not.a.thing": sending the push sample with its event type set to "not.a.thing"',
    );
    expect(eventTypeNote('svix', 'user.created')).toBe(
      'no standard-webhooks sample for "user.created": sending the invoice.paid sample with its event type set to "user.created"',
    );
    for (const type of ['cinetpay', 'twilio'])
      expect(() => eventTypeNote(type, 'sms.received')).toThrow(
        `${type} webhooks name no event type, so --event does not apply`,
      );
  });

  it('are payments in XOF where the provider serves West Africa', () => {
    expect(JSON.parse(sampleRequest('stripe').body.toString())).toMatchObject({
      type: 'payment_intent.succeeded',
      data: { object: { currency: 'xof' } },
    });
    expect(JSON.parse(sampleRequest('wave').body.toString())).toMatchObject({
      type: 'checkout.session.completed',
      data: { currency: 'XOF' },
    });
    expect(new URLSearchParams(sampleRequest('cinetpay').body.toString()).get('cpm_currency')).toBe(
      'XOF',
    );
  });
});
