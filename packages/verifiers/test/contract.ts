import { describe, expect, it } from 'vitest';
import {
  providerFor,
  refuseUnsigned,
  sampleRequest,
  signRequest,
  verifyConfigSchema,
} from '../src/index.js';
import { eventField, incoming, NOW_MS, NOW_S, verdictOf, verifierFor } from './helpers.js';

type Headers = Record<string, string>;

/**
 * What the shared suite needs to know about one provider besides its catalogue entry: who signs
 * independently of hookrelay. Secrets, config, signature headers, content type and whether a
 * timestamp is signed come from the provider's definition.
 */
export interface ProviderContract {
  readonly type: string;
  /** Who signs in `providerSign`: the provider's own library, or the docs' algorithm re-done with node:crypto. */
  readonly signedBy: string;
  readonly providerSign: (
    secret: string,
    body: string,
    timestampS: number,
    url: string,
  ) => Headers | Promise<Headers>;
  /**
   * A webhook of the provider's own (docs, fixtures) with the non-signature headers it comes with and
   * the event id/type hookrelay must read off it; default the catalogue's sample.
   */
  readonly example?: {
    readonly body: string;
    readonly headers?: Headers;
    readonly id?: string;
    readonly type?: string;
  };
  /** Replaces the catalogue's test config (another variant of a configurable type). */
  readonly config?: (secrets: readonly string[]) => Record<string, unknown>;
  readonly url?: string;
  /** A change to the body that the signature covers; default a trailing space. */
  readonly tamper?: (body: string) => string;
}

/** One behaviour suite run for every provider, so they all answer the same way to the same mistakes. */
export function describeProviderContract(contract: ProviderContract): void {
  const provider = providerFor(contract.type);
  const { testConfig } = provider;
  const url = contract.url ?? 'https://relay.example.com/hooks/test';
  const secrets = testConfig.secrets;
  const current = secrets.at(-1)!;
  const configFor = contract.config ?? testConfig.verify;
  const config = configFor(secrets);
  const sample = sampleRequest(contract.type, undefined, new Date(NOW_MS));
  const body = contract.example?.body ?? sample.body.toString('utf8');
  const headers = {
    'content-type': sample.contentType,
    ...(contract.example ? contract.example.headers : sample.headers),
  };
  const signed = async (secret: string, content = body, timestampS = NOW_S) =>
    incoming(
      content,
      { ...headers, ...(await contract.providerSign(secret, content, timestampS, url)) },
      url,
    );

  describe(`${contract.type} verifier`, () => {
    it(`accepts a request signed by ${contract.signedBy}`, async () => {
      expect(await verdictOf(config, await signed(current))).toMatchObject({ ok: true });
    });

    it('accepts the headers its own signer produces', async () => {
      const parsed = verifyConfigSchema.parse(configFor([current]));
      const own = signRequest(parsed, Buffer.from(body), { nowMs: NOW_MS, url });
      expect(await verdictOf(config, incoming(body, { ...headers, ...own }, url))).toMatchObject({
        ok: true,
      });
    });

    if (secrets.length > 1) {
      it('accepts both the previous and the current secret while a key is rotated', async () => {
        for (const secret of secrets)
          expect(await verdictOf(config, await signed(secret)), secret).toMatchObject({ ok: true });
      });
    }

    it('rejects a tampered body as signature_invalid', async () => {
      const request = await signed(current);
      const tampered = (contract.tamper ?? ((text: string) => `${text} `))(body);
      const verdict = await verdictOf(config, { ...request, body: Buffer.from(tampered) });
      expect(verdict).toMatchObject({ ok: false, code: 'signature_invalid' });
    });

    it('rejects a request signed with another secret as signature_invalid', async () => {
      expect(await verdictOf(config, await signed(testConfig.wrongSecret!))).toMatchObject({
        ok: false,
        code: 'signature_invalid',
      });
    });

    it('answers signature_missing when the signature header is absent', async () => {
      const request = await signed(current);
      const stripped = { ...request.headers };
      for (const name of verifierFor(config).signatureHeaders) delete stripped[name];
      expect(await verdictOf(config, { ...request, headers: stripped })).toMatchObject({
        ok: false,
        code: 'signature_missing',
      });
    });

    it('refuses a request without its signature header on the headers alone, before any body is read', async () => {
      const request = await signed(current);
      const verifier = verifierFor(config);
      expect(refuseUnsigned(verifier, request.headers)).toBeUndefined();
      const stripped = { ...request.headers };
      for (const name of verifier.signatureHeaders) delete stripped[name];
      expect(refuseUnsigned(verifier, stripped)).toMatchObject({
        ok: false,
        code: 'signature_missing',
      });
    });

    if (provider.replayGuard === 'timestamp') {
      it('rejects a correctly signed but stale timestamp as timestamp_out_of_tolerance', async () => {
        const verdict = await verdictOf(config, await signed(current, body, NOW_S - 301));
        expect(verdict).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
      });

      it('rejects a correctly signed timestamp from the future as timestamp_out_of_tolerance', async () => {
        const verdict = await verdictOf(config, await signed(current, body, NOW_S + 301));
        expect(verdict).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
      });

      it('accepts a timestamp just inside the tolerance', async () => {
        expect(await verdictOf(config, await signed(current, body, NOW_S - 299))).toMatchObject({
          ok: true,
        });
      });
    }

    if (contract.example && provider.event) {
      const { id, type } = contract.example;
      it(`reads the event id and type where ${contract.type} puts them`, async () => {
        const request = await signed(current);
        const { event: locations, bodyFormat } = provider;
        expect(eventField(locations?.id, request, bodyFormat)).toBe(id);
        expect(eventField(locations?.type, request, bodyFormat)).toBe(type);
      });
    }
  });
}
