import { describe, expect, it } from 'vitest';
import { providerFor, refuseUnsigned, signRequest, verifyConfigSchema } from '../src/index.js';
import { eventField, incoming, NOW_MS, NOW_S, verdictOf, verifierFor } from './helpers.js';

type Headers = Record<string, string>;

/** What the shared suite needs to know about one provider. */
export interface ProviderContract {
  readonly type: string;
  /** The `verify:` block for a list of secrets. */
  readonly config: (secrets: string[]) => Record<string, unknown>;
  readonly secrets: readonly [previous: string, current: string];
  readonly wrongSecret: string;
  readonly body: string;
  readonly contentType?: string;
  readonly url?: string;
  /** Who signs in `providerSign`: the provider's own library, or the docs' algorithm re-done with node:crypto. */
  readonly signedBy: string;
  readonly providerSign: (
    secret: string,
    body: string,
    timestampS: number,
    url: string,
  ) => Headers | Promise<Headers>;
  /** Headers whose absence means "not signed at all". */
  readonly signatureHeaders: readonly string[];
  readonly timestamped: boolean;
  /** A change to the body that the signature covers. */
  readonly tamper?: (body: string) => string;
  /** Headers a genuine delivery carries besides the signature, and the event id/type read off it. */
  readonly event?: { readonly headers?: Headers; readonly id?: string; readonly type?: string };
}

/** One behaviour suite run for every provider, so they all answer the same way to the same mistakes. */
export function describeProviderContract(contract: ProviderContract): void {
  const url = contract.url ?? 'https://relay.example.com/hooks/test';
  const [previous, current] = contract.secrets;
  const config = contract.config([previous, current]);
  const headers = {
    'content-type': contract.contentType ?? 'application/json',
    ...contract.event?.headers,
  };
  const signed = async (secret: string, body = contract.body, timestampS = NOW_S) =>
    incoming(
      body,
      { ...headers, ...(await contract.providerSign(secret, body, timestampS, url)) },
      url,
    );

  describe(`${contract.type} verifier`, () => {
    it(`accepts a request signed by ${contract.signedBy}`, async () => {
      expect(await verdictOf(config, await signed(current))).toMatchObject({ ok: true });
    });

    it('accepts the headers its own signer produces', async () => {
      const parsed = verifyConfigSchema.parse(contract.config([current]));
      const own = signRequest(parsed, Buffer.from(contract.body), { nowMs: NOW_MS, url });
      expect(
        await verdictOf(config, incoming(contract.body, { ...headers, ...own }, url)),
      ).toMatchObject({ ok: true });
    });

    it('accepts both the previous and the current secret while a key is rotated', async () => {
      expect(await verdictOf(config, await signed(previous))).toMatchObject({ ok: true });
      expect(await verdictOf(config, await signed(current))).toMatchObject({ ok: true });
    });

    it('rejects a tampered body as signature_invalid', async () => {
      const request = await signed(current);
      const tampered = (contract.tamper ?? ((body: string) => `${body} `))(contract.body);
      const verdict = await verdictOf(config, { ...request, body: Buffer.from(tampered) });
      expect(verdict).toMatchObject({ ok: false, code: 'signature_invalid' });
    });

    it('rejects a request signed with another secret as signature_invalid', async () => {
      expect(await verdictOf(config, await signed(contract.wrongSecret))).toMatchObject({
        ok: false,
        code: 'signature_invalid',
      });
    });

    it('answers signature_missing when the signature header is absent', async () => {
      const request = await signed(current);
      const stripped = { ...request.headers };
      for (const name of contract.signatureHeaders) delete stripped[name];
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

    if (contract.timestamped) {
      it('rejects a correctly signed but stale timestamp as timestamp_out_of_tolerance', async () => {
        const verdict = await verdictOf(config, await signed(current, contract.body, NOW_S - 301));
        expect(verdict).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
      });

      it('rejects a correctly signed timestamp from the future as timestamp_out_of_tolerance', async () => {
        const verdict = await verdictOf(config, await signed(current, contract.body, NOW_S + 301));
        expect(verdict).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
      });

      it('accepts a timestamp just inside the tolerance', async () => {
        expect(
          await verdictOf(config, await signed(current, contract.body, NOW_S - 299)),
        ).toMatchObject({ ok: true });
      });
    }

    if (contract.event) {
      const expected = contract.event;
      it(`reads the event id and type where ${contract.type} puts them`, async () => {
        const request = await signed(current);
        const { event: locations, bodyFormat } = providerFor(contract.type);
        expect(eventField(locations?.id, request, bodyFormat)).toBe(expected.id);
        expect(eventField(locations?.type, request, bodyFormat)).toBe(expected.type);
      });
    }
  });
}
